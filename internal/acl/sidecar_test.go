package acl

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	. "github.com/onsi/gomega"

	"github.com/kbwarden/kbwarden/api/v1alpha1"
)

const (
	quick   = v1alpha1.ACLFormatQuick
	bedrock = v1alpha1.ACLFormatBedrockManaged
)

// rawFields decodes a sidecar into its top-level fields, each compacted, so
// that tests compare meaning rather than formatting.
func rawFields(t *testing.T, b []byte) map[string]string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not a JSON object: %v\n%s", err, b)
	}
	out := map[string]string{}
	for k, v := range m {
		var b bytes.Buffer
		if err := json.Compact(&b, v); err != nil {
			t.Fatal(err)
		}
		out[k] = b.String()
	}
	return out
}

func TestRenderSidecarKeepsWhatItDoesNotOwn(t *testing.T) {
	tests := []struct {
		name     string
		format   v1alpha1.ACLFormat
		existing string
		field    string
	}{{
		name:   "Quick",
		format: quick,
		existing: `{
  "DocumentId": "doc-1",
  "Title": "Pricing <2024> & more",
  "ContentType": "PDF",
  "Attributes": {"_created_at": "2024-01-01T00:00:00Z", "big": 123456789012345678901234567890, "tags": ["a", "b"]},
  "AccessControlList": [{"Name": "old@e.com", "Type": "USER", "Access": "ALLOW"}],
  "x-custom": {"nested": [1, 2.50, null, true]},
  "emptyByOwner": ""
}`,
		field: QuickACLField,
	}, {
		name:     "BedrockManaged",
		format:   bedrock,
		existing: `{"metadataAttributes": {"department": "hr", "year": 2024, "score": 1e400}, "unknown": "kept \u00e9\ud83d\ude00"}`,
		field:    BedrockACLField,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			acl := NewACL(eu("Alice@e.com", Allow), eu("bob@e.com", Deny))
			out, changed, err := RenderSidecar([]byte(tt.existing), acl, tt.format, 0)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(changed).To(BeTrue())
			before, after := rawFields(t, []byte(tt.existing)), rawFields(t, out)
			g.Expect(after[tt.field]).To(Equal(`[{"Name":"bob@e.com","Type":"USER","Access":"DENY"},{"Name":"alice@e.com","Type":"USER","Access":"ALLOW"}]`))
			delete(before, tt.field)
			delete(after, tt.field)
			g.Expect(after).To(Equal(before), "every field kbwarden does not own keeps its exact JSON value")
			g.Expect(utf8.Valid(out)).To(BeTrue())
			g.Expect(string(out)).NotTo(ContainSubstring(`\u003c`), "no HTML escaping")
		})
	}
}

func TestRenderSidecarIsDeterministic(t *testing.T) {
	g := NewWithT(t)
	acl := NewACL(eu("a@e.com", Allow))
	a, _, err := RenderSidecar([]byte(`{"Title":"t","Attributes":{"b":1,"a":2}}`), acl, quick, 0)
	g.Expect(err).NotTo(HaveOccurred())
	b, _, err := RenderSidecar([]byte("{\n  \"Attributes\": {\"b\": 1, \"a\": 2},\n  \"Title\": \"t\"\n}\n"), acl, quick, 0)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(a)).To(Equal(string(b)))
	g.Expect(string(a)).To(Equal(`{"AccessControlList":[{"Name":"a@e.com","Type":"USER","Access":"ALLOW"}],"Attributes":{"b":1,"a":2},"Title":"t"}`))
}

func TestRenderSidecarNew(t *testing.T) {
	g := NewWithT(t)
	out, changed, err := RenderSidecar(nil, nil, quick, 0)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out).To(BeNil(), "no sidecar and no ACL: nothing to write")
	g.Expect(changed).To(BeFalse())

	out, changed, err = RenderSidecar(nil, ACL{eg("HR", Allow), eu("A@e.com", Allow)}, quick, 0)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(changed).To(BeTrue())
	g.Expect(string(out)).To(Equal(`{"AccessControlList":[{"Name":"a@e.com","Type":"USER","Access":"ALLOW"},{"Name":"HR","Type":"GROUP","Access":"ALLOW"}]}`))

	// A sidecar holding only kbwarden's ACL, once the ACL is gone, holds
	// nothing: {} rather than an empty list, which the format forbids.
	out, changed, err = RenderSidecar([]byte(`{"AccessControlList":[{"Name":"a@e.com","Type":"USER","Access":"ALLOW"}]}`), nil, quick, 0)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(changed).To(BeTrue())
	g.Expect(string(out)).To(Equal(`{}`))

	out, changed, err = RenderSidecar(nil, ACL{eu("a@e.com", Allow)}, bedrock, 0)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(changed).To(BeTrue())
	g.Expect(string(out)).To(Equal(`{"accessControlList":[{"Name":"a@e.com","Type":"USER","Access":"ALLOW"}]}`))
}

func TestRenderSidecarChangedIsSemantic(t *testing.T) {
	acl := NewACL(eu("alice@e.com", Allow), eg("HR", Allow), eg("Contractors", Deny))
	tests := []struct {
		name     string
		existing string
		acl      ACL
		changed  bool
		absent   bool // the ACL field is absent from the output
	}{
		{"same entries, other order and formatting", `{"Title":"t",
			"AccessControlList":[ {"Access":"ALLOW","Type":"GROUP","Name":"HR"},
			{"Name":"Contractors","Type":"GROUP","Access":"DENY"}, {"Name":"alice@e.com","Type":"USER","Access":"ALLOW"} ]}`, acl, false, false},
		{"user name in another case", `{"AccessControlList":[{"Name":"HR","Type":"GROUP","Access":"ALLOW"},
			{"Name":"Contractors","Type":"GROUP","Access":"DENY"},{"Name":"ALICE@E.com","Type":"USER","Access":"ALLOW"}]}`, acl, false, false},
		{"duplicated entries", `{"AccessControlList":[{"Name":"HR","Type":"GROUP","Access":"ALLOW"},{"Name":"HR","Type":"GROUP","Access":"ALLOW"},
			{"Name":"Contractors","Type":"GROUP","Access":"DENY"},{"Name":"alice@e.com","Type":"USER","Access":"ALLOW"}]}`, acl, false, false},
		{"no ACL field and an empty ACL", `{"Title":"t"}`, nil, false, true},
		{"group name in another case", `{"AccessControlList":[{"Name":"hr","Type":"GROUP","Access":"ALLOW"},
			{"Name":"Contractors","Type":"GROUP","Access":"DENY"},{"Name":"alice@e.com","Type":"USER","Access":"ALLOW"}]}`, acl, true, false},
		{"an entry missing", `{"AccessControlList":[{"Name":"HR","Type":"GROUP","Access":"ALLOW"},
			{"Name":"alice@e.com","Type":"USER","Access":"ALLOW"}]}`, acl, true, false},
		{"allow became deny", `{"AccessControlList":[{"Name":"HR","Type":"GROUP","Access":"ALLOW"},
			{"Name":"Contractors","Type":"GROUP","Access":"ALLOW"},{"Name":"alice@e.com","Type":"USER","Access":"ALLOW"}]}`, acl, true, false},
		{"no ACL field yet", `{"Title":"t"}`, acl, true, false},
		{"lower-case Type is not what the format says", `{"AccessControlList":[{"Name":"HR","Type":"group","Access":"ALLOW"},
			{"Name":"Contractors","Type":"GROUP","Access":"DENY"},{"Name":"alice@e.com","Type":"USER","Access":"ALLOW"}]}`, acl, true, false},
		{"malformed ACL field is ours to replace", `{"AccessControlList":"everyone"}`, acl, true, false},
		{"ACL emptied: the field goes", `{"Title":"t","AccessControlList":[{"Name":"HR","Type":"GROUP","Access":"ALLOW"}]}`, nil, true, true},
		{"an empty list is not allowed either", `{"Title":"t","AccessControlList":[]}`, nil, true, true},
		{"null is not allowed either", `{"Title":"t","AccessControlList":null}`, nil, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			out, changed, err := RenderSidecar([]byte(tt.existing), tt.acl, quick, 0)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(changed).To(Equal(tt.changed))
			fields := rawFields(t, out)
			if tt.absent {
				g.Expect(fields).NotTo(HaveKey(QuickACLField))
			} else {
				got, err := ParseSidecarACL(out, quick)
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(got).To(Equal(NewACL(tt.acl...)))
			}
			again, changedAgain, err := RenderSidecar(out, tt.acl, quick, 0)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(changedAgain).To(BeFalse(), "rendering the output again changes nothing")
			g.Expect(again).To(Equal(out))
		})
	}
}

func TestRenderSidecarRefusesUnparseable(t *testing.T) {
	tests := map[string]string{
		"empty object":       "",
		"truncated":          `{"Title":"t"`,
		"array":              `[{"Name":"a@e.com","Type":"USER","Access":"ALLOW"}]`,
		"null":               `null`,
		"string":             `"hello"`,
		"byte order mark":    "\xef\xbb\xbf{}",
		"invalid UTF-8":      "{\"Title\":\"caf\xe9\"}",
		"two objects":        `{"a":1}{"b":2}`,
		"trailing garbage":   `{"a":1} x`,
		"repeated key":       `{"Title":"a","Title":"b"}`,
		"repeated ACL key":   `{"AccessControlList":[],"AccessControlList":[]}`,
		"single quotes":      `{'Title':'t'}`,
		"trailing comma":     `{"Title":"t",}`,
		"UTF-16 with BOM":    "\xff\xfe{\x00}\x00",
		"comment":            `{"Title":"t" /* hi */}`,
		"unquoted key":       `{Title:"t"}`,
		"leading BOM in key": "{\"\xef\xbb\xbfTitle\":\"t\",\"\xef\xbb\xbfTitle\":\"u\"}",
	}
	for name, existing := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			_, _, err := RenderSidecar([]byte(existing), ACL{eu("a@e.com", Allow)}, quick, 0)
			var ue *UnparseableSidecarError
			g.Expect(errors.As(err, &ue)).To(BeTrue(), "got %v", err)
			_, err = ParseSidecarACL([]byte(existing), quick)
			g.Expect(errors.As(err, &ue)).To(BeTrue(), "got %v", err)
		})
	}
}

func TestRenderSidecarRefusesTheOtherFormatsKey(t *testing.T) {
	tests := []struct {
		format   v1alpha1.ACLFormat
		existing string
		found    string
	}{
		{quick, `{"accessControlList":[{"Name":"a@e.com","Type":"USER","Access":"ALLOW"}]}`, "accessControlList"},
		{bedrock, `{"metadataAttributes":{},"AccessControlList":[]}`, "AccessControlList"},
		{quick, `{"ACCESSCONTROLLIST":1}`, "ACCESSCONTROLLIST"},
	}
	for _, tt := range tests {
		t.Run(string(tt.format)+"/"+tt.found, func(t *testing.T) {
			g := NewWithT(t)
			_, _, err := RenderSidecar([]byte(tt.existing), ACL{eu("a@e.com", Allow)}, tt.format, 0)
			var ce *SidecarConflictError
			g.Expect(errors.As(err, &ce)).To(BeTrue(), "got %v", err)
			g.Expect(ce.Found).To(Equal(tt.found))
			g.Expect(err.Error()).To(ContainSubstring("spec.accessControl.format"))
			_, err = ParseSidecarACL([]byte(tt.existing), tt.format)
			g.Expect(errors.As(err, &ce)).To(BeTrue(), "got %v", err)
		})
	}
}

func TestRenderSidecarSizeLimit(t *testing.T) {
	g := NewWithT(t)
	var entries []Entry
	for i := range 40 {
		entries = append(entries, eu(strings.Repeat("x", 20)+string(rune('a'+i%26))+string(rune('a'+i/26))+"@example.com", Allow))
	}
	acl := NewACL(entries...)
	out, _, err := RenderSidecar(nil, acl, bedrock, 0)
	g.Expect(err).NotTo(HaveOccurred(), "under the default 10 KB")
	size := len(out)
	g.Expect(size).To(BeNumerically(">", MaxSidecarBytesS3Vectors))

	_, _, err = RenderSidecar(nil, acl, bedrock, MaxSidecarBytesS3Vectors)
	var tl *SidecarTooLargeError
	g.Expect(errors.As(err, &tl)).To(BeTrue(), "got %v", err)
	g.Expect(*tl).To(Equal(SidecarTooLargeError{Size: size, Limit: MaxSidecarBytesS3Vectors}))

	_, _, err = RenderSidecar(nil, acl, bedrock, size)
	g.Expect(err).NotTo(HaveOccurred(), "exactly at the limit is allowed")
	_, _, err = RenderSidecar(nil, acl, bedrock, size-1)
	g.Expect(errors.As(err, &tl)).To(BeTrue())

	// Someone else's metadata alone can push a sidecar over the limit; it is
	// reported even though the ACL is already right, since the service
	// would skip the file.
	big := `{"metadataAttributes":{"summary":"` + strings.Repeat("s", MaxSidecarBytes) + `"}}`
	_, _, err = RenderSidecar([]byte(big), nil, bedrock, 0)
	g.Expect(errors.As(err, &tl)).To(BeTrue())
	g.Expect(tl.Limit).To(Equal(MaxSidecarBytes))
}

func TestSidecarSizeLimit(t *testing.T) {
	g := NewWithT(t)
	g.Expect(SidecarSizeLimit(bedrock, v1alpha1.VectorBucketS3Vectors)).To(Equal(1024))
	g.Expect(SidecarSizeLimit(bedrock, v1alpha1.VectorBucketS3)).To(Equal(10240))
	g.Expect(SidecarSizeLimit(quick, v1alpha1.VectorBucketS3Vectors)).To(Equal(10240))
	g.Expect(SidecarSizeLimit(quick, "")).To(Equal(10240))
}

func TestRenderSidecarBedrockManagedRejectsGroups(t *testing.T) {
	g := NewWithT(t)
	_, _, err := RenderSidecar(nil, ACL{eg("HR", Allow)}, bedrock, 0)
	var se *SpecError
	g.Expect(errors.As(err, &se)).To(BeTrue(), "got %v", err)
	g.Expect(err.Error()).To(ContainSubstring("only users"))

	_, _, err = RenderSidecar(nil, ACL{eu("a@e.com", Allow)}, "Kendra", 0)
	g.Expect(errors.As(err, &se)).To(BeTrue(), "got %v", err)
}

func TestParseSidecarACL(t *testing.T) {
	tests := []struct {
		name      string
		data      []byte
		format    v1alpha1.ACLFormat
		want      ACL
		malformed string
	}{
		{name: "no sidecar", data: nil, format: quick},
		{name: "no ACL field", data: []byte(`{"Title":"t"}`), format: quick},
		{name: "Quick", format: quick,
			data: []byte(`{"AccessControlList":[{"Name":"B@e.com","Type":"USER","Access":"ALLOW"},{"Name":"G","Type":"GROUP","Access":"DENY"}]}`),
			want: ACL{eg("G", Deny), eu("b@e.com", Allow)}},
		{name: "BedrockManaged", format: bedrock,
			data: []byte(`{"metadataAttributes":{"x":1},"accessControlList":[{"Name":"b@e.com","Type":"USER","Access":"DENY"}]}`),
			want: ACL{eu("b@e.com", Deny)}},
		{name: "empty list", data: []byte(`{"AccessControlList":[]}`), format: quick},
		{name: "not a list", data: []byte(`{"AccessControlList":{}}`), format: quick, malformed: "not a JSON array"},
		{name: "null", data: []byte(`{"AccessControlList":null}`), format: quick, malformed: "not a JSON array"},
		{name: "entry not an object", data: []byte(`{"AccessControlList":["a@e.com"]}`), format: quick, malformed: "entry 0"},
		{name: "missing Access", data: []byte(`{"AccessControlList":[{"Name":"a","Type":"USER"}]}`), format: quick, malformed: "Access is missing"},
		{name: "lower-case member", data: []byte(`{"AccessControlList":[{"name":"a","Type":"USER","Access":"ALLOW"}]}`), format: quick, malformed: "Name is missing"},
		{name: "extra member", data: []byte(`{"AccessControlList":[{"Name":"a","Type":"USER","Access":"ALLOW","Email":"a"}]}`), format: quick, malformed: "other than"},
		{name: "empty name", data: []byte(`{"AccessControlList":[{"Name":"","Type":"USER","Access":"ALLOW"}]}`), format: quick, malformed: "Name is empty"},
		{name: "bad type", data: []byte(`{"AccessControlList":[{"Name":"a","Type":"ROLE","Access":"ALLOW"}]}`), format: quick, malformed: `"ROLE"`},
		{name: "bad access", data: []byte(`{"AccessControlList":[{"Name":"a","Type":"USER","Access":"allow"}]}`), format: quick, malformed: `"allow"`},
		{name: "number name", data: []byte(`{"AccessControlList":[{"Name":1,"Type":"USER","Access":"ALLOW"}]}`), format: quick, malformed: "not a string"},
		{name: "repeated member", data: []byte(`{"AccessControlList":[{"Name":"a","Name":"b","Type":"USER","Access":"ALLOW"}]}`), format: quick, malformed: "more than once"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			got, err := ParseSidecarACL(tt.data, tt.format)
			if tt.malformed != "" {
				var me *MalformedACLError
				g.Expect(errors.As(err, &me)).To(BeTrue(), "got %v", err)
				g.Expect(err.Error()).To(ContainSubstring(tt.malformed))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got).To(Equal(tt.want))
		})
	}
}
