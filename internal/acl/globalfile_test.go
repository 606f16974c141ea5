package acl

import (
	"errors"
	"testing"

	"github.com/kbwarden/kbwarden/api/v1alpha1"
)

func TestParseGlobalFile(t *testing.T) {
	p, err := Compile(salesAndHR(), v1alpha1.ACLFormatQuick, "b")
	if err != nil {
		t.Fatal(err)
	}
	empty, _ := Compile(nil, v1alpha1.ACLFormatQuick, "b")
	cases := map[string]struct {
		data string
		ok   bool
	}{
		"what kbwarden writes": {string(p.GlobalFile()), true},
		"no rules":             {string(empty.GlobalFile()), true},
		"compact, other order": {`[{"aclEntries":[{"Access":"DENY","Type":"GROUP","Name":"HR"}],"keyPrefix":"s3://b/x/"}]`, true},
		"a PDF":                {"%PDF-1.7\n\x00\x01binary", false},
		"a JSON object":        {`{"keyPrefix":"s3://b/","aclEntries":[]}`, false},
		"an extra member":      {`[{"keyPrefix":"s3://b/","aclEntries":[],"note":"x"}]`, false},
		"no s3:// prefix":      {`[{"keyPrefix":"b/","aclEntries":[]}]`, false},
		"a bad entry":          {`[{"keyPrefix":"s3://b/","aclEntries":[{"Name":"a","Type":"ROLE","Access":"ALLOW"}]}]`, false},
		"aclEntries missing":   {`[{"keyPrefix":"s3://b/","x":[]}]`, false},
		"repeated key":         {`[{"keyPrefix":"s3://b/","keyPrefix":"s3://c/"}]`, false},
		"byte order mark":      {"\xef\xbb\xbf[]", false},
		"null":                 {`null`, false},
		"empty object":         {``, false},
		"array of non-objects": {`[1]`, false},
		"trailing data":        {`[] []`, false},
	}
	for name, tc := range cases {
		err := ParseGlobalFile([]byte(tc.data))
		var typed *UnparseableGlobalFileError
		switch {
		case tc.ok && err != nil:
			t.Errorf("%s: %v", name, err)
		case !tc.ok && !errors.As(err, &typed):
			t.Errorf("%s: got %v, want *UnparseableGlobalFileError", name, err)
		}
	}
}

// FuzzParseGlobalFile: never panics, fails only with the typed error, and
// accepts every file Compile renders.
func FuzzParseGlobalFile(f *testing.F) {
	f.Add([]byte(`[{"keyPrefix":"s3://b/","aclEntries":[{"Name":"a@e.com","Type":"USER","Access":"ALLOW"}]}]`), "a@e.com,!HR")
	f.Add([]byte(`{}`), "")
	f.Fuzz(func(t *testing.T, data []byte, names string) {
		var typed *UnparseableGlobalFileError
		if err := ParseGlobalFile(data); err != nil && !errors.As(err, &typed) {
			t.Fatalf("untyped error %v", err)
		}
		var allow, deny []v1alpha1.ACLEntry
		for _, e := range fuzzACL(names, v1alpha1.ACLFormatQuick) {
			entry := v1alpha1.ACLEntry{Group: e.Name}
			if e.Type == User {
				entry = v1alpha1.ACLEntry{User: e.Name}
			}
			if e.Access == Deny {
				deny = append(deny, entry)
			} else {
				allow = append(allow, entry)
			}
		}
		p, err := Compile([]v1alpha1.ACLRule{{Prefix: "p/", Allow: allow, Deny: deny}}, v1alpha1.ACLFormatQuick, "b")
		if err != nil {
			return
		}
		if err := ParseGlobalFile(p.GlobalFile()); err != nil {
			t.Fatalf("a rendered global file does not parse: %v\n%s", err, p.GlobalFile())
		}
	})
}
