package quickemu

import (
	"encoding/json"
	"slices"
	"testing"
)

// FuzzParseGlobalACL: the parser never panics, and what it accepts it
// accepts again after a round trip through its own shape, with the same
// rules: no input can make it keep a member it did not check.
func FuzzParseGlobalACL(f *testing.F) {
	f.Add([]byte(`[{"keyPrefix":"s3://b/hr/","aclEntries":[{"Name":"HR","Type":"GROUP","Access":"ALLOW"}]}]`))
	f.Add([]byte(`[{"keyPrefix":"s3://b/","aclEntries":[]}]`))
	f.Add([]byte(`[{"keyprefix":"s3://b/","aclEntries":[]}]`))
	f.Add([]byte(`[{"keyPrefix":"s3://b/","aclEntries":[{"name":"a@b.c","Type":"USER","Access":"DENY"}]}]`))
	f.Add([]byte("\xEF\xBB\xBF[]"))
	f.Add([]byte(`[null]`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, err := parseGlobalACL(data)
		if err != nil {
			return
		}
		again, err := json.Marshal(rules)
		if err != nil {
			t.Fatal(err)
		}
		back, err := parseGlobalACL(again)
		if err != nil {
			t.Fatalf("accepted %q but not its round trip %s: %v", data, again, err)
		}
		if !slices.EqualFunc(rules, back, func(a, b globalRule) bool {
			return a.KeyPrefix == b.KeyPrefix && slices.Equal(a.ACLEntries, b.ACLEntries)
		}) {
			t.Fatalf("round trip changed %v into %v", rules, back)
		}
		for _, r := range rules {
			for _, e := range r.ACLEntries {
				if e.Name == "" || (e.Type != "USER" && e.Type != "GROUP") || (e.Access != "ALLOW" && e.Access != "DENY") {
					t.Fatalf("accepted an invalid entry %+v", e)
				}
			}
		}
	})
}

// FuzzParseSidecar: the same for metadata files, and an accepted ACL is
// never empty.
func FuzzParseSidecar(f *testing.F) {
	f.Add([]byte(`{"AccessControlList":[{"Name":"HR","Type":"GROUP","Access":"ALLOW"}],"Title":"x"}`))
	f.Add([]byte(`{"AccessControlList":[]}`))
	f.Add([]byte(`{"accessControlList":[{"Name":"HR","Type":"GROUP","Access":"ALLOW"}]}`))
	f.Add([]byte(`{"AccessControlList":[{"Name":"HR","Type":"group","Access":"ALLOW"}]}`))
	f.Add([]byte(`null`))
	f.Add([]byte("\xEF\xBB\xBF{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, present, err := parseSidecar(data)
		if err != nil {
			return
		}
		if present != (len(entries) > 0) {
			t.Fatalf("present %v with %d entries", present, len(entries))
		}
		again, _ := json.Marshal(map[string]any{sidecarACLField: entries})
		if !present {
			return
		}
		back, _, err := parseSidecar(again)
		if err != nil || !slices.Equal(entries, back) {
			t.Fatalf("round trip of %q: %v, %v vs %v", data, err, entries, back)
		}
	})
}
