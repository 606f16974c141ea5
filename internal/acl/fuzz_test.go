package acl

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kbwarden/kbwarden/api/v1alpha1"
)

var fuzzSeeds = []string{
	``,
	`{}`,
	`{"Title":"t","DocumentId":"d","Attributes":{"a":[1,2,{"b":null}]},"ContentType":"PDF"}`,
	`{"AccessControlList":[{"Name":"A@e.com","Type":"USER","Access":"ALLOW"}],"x":1e999}`,
	`{"accessControlList":[{"Name":"a@e.com","Type":"USER","Access":"DENY"}],"metadataAttributes":{"k":"v"}}`,
	`{"AccessControlList":[],"accessControlList":null}`,
	`{"AccessControlList":"x"}`,
	`{"a":"\ud800","b":"<&>","\u0041":1}`,
	"\xef\xbb\xbf{}",
	`[1,2]`,
	`{"a":1,"a":2}`,
	`{"AccessControlList":[{"Name":"g","Type":"GROUP","Access":"ALLOW","Name":"h"}]}`,
}

// fuzzACL builds an ACL from fuzzer-chosen names: each comma-separated name
// becomes a user when it has an @, else a group; a leading ! denies.
func fuzzACL(names string, format v1alpha1.ACLFormat) ACL {
	var entries []Entry
	for _, n := range strings.Split(names, ",") {
		access := Allow
		if strings.HasPrefix(n, "!") {
			access, n = Deny, n[1:]
		}
		if n == "" || !utf8.ValidString(n) {
			continue
		}
		typ := Group
		if strings.Contains(n, "@") {
			typ = User
		} else if format == v1alpha1.ACLFormatBedrockManaged {
			continue
		}
		entries = append(entries, Entry{Name: n, Type: typ, Access: access})
	}
	return NewACL(entries...)
}

func FuzzRenderSidecar(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add([]byte(s), "Alice@e.com,!HR,Sales", i%2 == 0, i%3 == 0)
	}
	f.Fuzz(func(t *testing.T, existing []byte, names string, bedrockFormat, absent bool) {
		format := v1alpha1.ACLFormatQuick
		if bedrockFormat {
			format = v1alpha1.ACLFormatBedrockManaged
		}
		if absent {
			existing = nil
		}
		field, _ := aclField(format)
		acl := fuzzACL(names, format)
		out, changed, err := RenderSidecar(existing, acl, format, 0)
		if err != nil {
			var ue *UnparseableSidecarError
			var ce *SidecarConflictError
			var tl *SidecarTooLargeError
			if !errors.As(err, &ue) && !errors.As(err, &ce) && !errors.As(err, &tl) {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			if existing == nil && (ue != nil || ce != nil) {
				t.Fatalf("no existing sidecar, yet %v", err)
			}
			return
		}
		if out == nil {
			if existing != nil || len(acl) > 0 || changed {
				t.Fatalf("nil output for existing=%q acl=%v changed=%v", existing, acl, changed)
			}
			return
		}
		if !utf8.Valid(out) || bytes.HasPrefix(out, utf8BOM) || !json.Valid(out) {
			t.Fatalf("output is not BOM-less UTF-8 JSON: %q", out)
		}
		got, err := ParseSidecarACL(out, format)
		if err != nil {
			t.Fatalf("output does not parse: %v\n%s", err, out)
		}
		if !slicesEqualACL(got, acl) {
			t.Fatalf("output ACL %v, want %v", got, acl)
		}
		var after map[string]json.RawMessage
		if err := json.Unmarshal(out, &after); err != nil {
			t.Fatal(err)
		}
		if raw, ok := after[field]; ok && len(acl) == 0 {
			t.Fatalf("empty ACL written as %s", raw)
		}
		if existing != nil {
			before, err := decodeAny(existing)
			if err != nil {
				t.Fatalf("an unparseable sidecar was rendered: %v", err)
			}
			afterAny, _ := decodeAny(out)
			delete(before, field)
			delete(afterAny, field)
			a, _ := json.Marshal(before)
			b, _ := json.Marshal(afterAny)
			if !bytes.Equal(a, b) {
				t.Fatalf("fields not owned by kbwarden changed:\nbefore %s\nafter  %s", a, b)
			}
		}
		if !changed && existing != nil {
			if cur, err := ParseSidecarACL(existing, format); err != nil || !slicesEqualACL(cur, acl) {
				t.Fatalf("unchanged, but the existing ACL is %v (%v), want %v", cur, err, acl)
			}
		}
		again, changedAgain, err := RenderSidecar(out, acl, format, 0)
		if err != nil || changedAgain || !bytes.Equal(again, out) {
			t.Fatalf("re-rendering the output: changed=%v err=%v\n%s\n%s", changedAgain, err, out, again)
		}
	})
}

// decodeAny decodes a JSON object keeping numbers as written, so that
// 1e999 or a 30-digit integer compares by its text, as the service reads it.
func decodeAny(b []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	err := dec.Decode(&m)
	return m, err
}

func slicesEqualACL(a, b ACL) bool { return len(a) == len(b) && (len(a) == 0 || a.Equal(b)) }

func FuzzParseSidecarACL(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add([]byte(s), i%2 == 0)
	}
	f.Fuzz(func(t *testing.T, data []byte, bedrockFormat bool) {
		format := v1alpha1.ACLFormatQuick
		if bedrockFormat {
			format = v1alpha1.ACLFormatBedrockManaged
		}
		acl, err := ParseSidecarACL(data, format)
		if err != nil {
			var ue *UnparseableSidecarError
			var ce *SidecarConflictError
			var me *MalformedACLError
			if !errors.As(err, &ue) && !errors.As(err, &ce) && !errors.As(err, &me) {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			return
		}
		if !slicesEqualACL(NewACL(acl...), acl) {
			t.Fatalf("result is not normalised: %v", acl)
		}
		// What Parse reads is what Render compares against: rendering the
		// parsed ACL onto the same sidecar changes nothing, unless the field
		// is an empty list (which must go) or holds a group in a
		// BedrockManaged sidecar (which cannot be written).
		out, changed, err := RenderSidecar(data, acl, format, 0)
		var se *SpecError
		if errors.As(err, &se) {
			return
		}
		var tl *SidecarTooLargeError
		if err != nil && !errors.As(err, &tl) {
			t.Fatalf("Parse accepted what Render refuses: %v", err)
		}
		if err == nil && changed && len(acl) > 0 {
			t.Fatalf("Render rewrites the ACL Parse read: %v\n%s\n%s", acl, data, out)
		}
	})
}
