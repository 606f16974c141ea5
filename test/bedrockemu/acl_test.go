package bedrockemu

import "testing"

func TestACLAllowsSomeone(t *testing.T) {
	allow := func(typ, name string) aclEntry { return aclEntry{Name: name, Type: typ, Access: "ALLOW"} }
	deny := func(typ, name string) aclEntry { return aclEntry{Name: name, Type: typ, Access: "DENY"} }
	cases := []struct {
		name    string
		entries []aclEntry
		want    bool
	}{
		{"no entry: deny by default", nil, false},
		{"one allow", []aclEntry{allow("USER", "a@example.com")}, true},
		{"deny only", []aclEntry{deny("GROUP", "HR")}, false},
		{"deny wins for the same user, whatever the case", []aclEntry{allow("USER", "A@Example.com"), deny("USER", "a@example.com")}, false},
		{"group names are exact", []aclEntry{allow("GROUP", "HR"), deny("GROUP", "hr")}, true},
		{"a group deny leaves a user allowed", []aclEntry{allow("USER", "a@example.com"), deny("GROUP", "HR")}, true},
		{"one of two users still allowed", []aclEntry{allow("USER", "a@example.com"), allow("USER", "b@example.com"), deny("USER", "a@example.com")}, true},
	}
	for _, c := range cases {
		if got := aclAllowsSomeone(c.entries); got != c.want {
			t.Errorf("%s: aclAllowsSomeone = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestParseSidecar(t *testing.T) {
	cases := []struct {
		name, doc string
		entries   int
		wantErr   bool
	}{
		{"Quick format", `{"Title": "t", "AccessControlList": [{"Name": "a", "Type": "USER", "Access": "ALLOW"}]}`, 1, false},
		{"Bedrock format", `{"metadataAttributes": {}, "accessControlList": [{"name": "a", "type": "USER", "access": "DENY"}]}`, 1, false},
		{"both spellings", `{"AccessControlList": [{"Name": "a", "Type": "USER", "Access": "ALLOW"}], "accessControlList": [{"Name": "b", "Type": "GROUP", "Access": "ALLOW"}]}`, 2, false},
		{"no ACL", `{"Title": "t"}`, 0, false},
		{"bad type", `{"AccessControlList": [{"Name": "a", "Type": "ROLE", "Access": "ALLOW"}]}`, 1, true},
		{"not a list", `{"AccessControlList": {"Name": "a"}}`, 0, true},
		{"not JSON", `{`, 0, true},
	}
	for _, c := range cases {
		entries, err := parseSidecar([]byte(c.doc))
		if (err != nil) != c.wantErr || len(entries) != c.entries {
			t.Errorf("%s: parseSidecar = %d entries, %v", c.name, len(entries), err)
		}
	}
}
