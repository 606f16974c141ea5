package acl

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/kbwarden/kbwarden/api/v1alpha1"
)

func mustCompile(t *testing.T, rules []v1alpha1.ACLRule, format v1alpha1.ACLFormat) *Policy {
	t.Helper()
	p, err := Compile(rules, format, "acme-docs")
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return p
}

func TestGlobalFileExactBytes(t *testing.T) {
	g := NewWithT(t)
	p := mustCompile(t, salesAndHR(), v1alpha1.ACLFormatQuick)
	g.Expect(string(p.GlobalFile())).To(Equal(`[
  {
    "keyPrefix": "s3://acme-docs/hr/confidential/",
    "aclEntries": [
      {
        "Name": "Contractors",
        "Type": "GROUP",
        "Access": "DENY"
      },
      {
        "Name": "HR",
        "Type": "GROUP",
        "Access": "ALLOW"
      }
    ]
  },
  {
    "keyPrefix": "s3://acme-docs/sales/",
    "aclEntries": [
      {
        "Name": "alice@example.com",
        "Type": "USER",
        "Access": "ALLOW"
      },
      {
        "Name": "Sales",
        "Type": "GROUP",
        "Access": "ALLOW"
      }
    ]
  }
]
`))
}

func TestGlobalFileBedrockManagedAndEmpty(t *testing.T) {
	g := NewWithT(t)
	p := mustCompile(t, []v1alpha1.ACLRule{rule("a/", allow(user("B@x.io")), user("c@x.io"))}, v1alpha1.ACLFormatBedrockManaged)
	g.Expect(compactJSON(t, p.GlobalFile())).To(Equal(
		`[{"keyPrefix":"s3://acme-docs/a/","aclEntries":[{"Name":"c@x.io","Type":"USER","Access":"DENY"},{"Name":"b@x.io","Type":"USER","Access":"ALLOW"}]}]`))
	g.Expect(p.Format()).To(Equal(v1alpha1.ACLFormatBedrockManaged))

	empty := mustCompile(t, nil, "")
	g.Expect(string(empty.GlobalFile())).To(Equal("[]\n"))
	g.Expect(empty.Format()).To(Equal(v1alpha1.ACLFormatQuick), "an empty format is the API's default, Quick")
	g.Expect(empty.ForKey("anything")).To(BeNil())
}

// compactJSON re-encodes a global file compactly, keeping its field order.
func compactJSON(t *testing.T, b []byte) string {
	t.Helper()
	out, err := json.Marshal(parseGlobal(t, b))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestCompileNormalises(t *testing.T) {
	tests := []struct {
		name  string
		rules []v1alpha1.ACLRule
		want  map[string]ACL // keyPrefix without bucket -> entries
	}{{
		name: "rules with the same prefix merge",
		rules: []v1alpha1.ACLRule{
			rule("a/", allow(user("x@e.com"))),
			rule("a/", allow(group("G")), user("y@e.com")),
		},
		want: map[string]ACL{"a/": {eu("y@e.com", Deny), eu("x@e.com", Allow), eg("G", Allow)}},
	}, {
		name:  "users are lower-cased and deduplicated, groups are exact",
		rules: []v1alpha1.ACLRule{rule("a/", allow(user("X@E.com"), user("x@e.COM"), group("HR"), group("hr"), group("HR")))},
		want:  map[string]ACL{"a/": {eu("x@e.com", Allow), eg("HR", Allow), eg("hr", Allow)}},
	}, {
		name:  "an identity both allowed and denied keeps both entries",
		rules: []v1alpha1.ACLRule{rule("a/", allow(user("x@e.com")), user("X@e.com"))},
		want:  map[string]ACL{"a/": {eu("x@e.com", Deny), eu("x@e.com", Allow)}},
	}, {
		name: "nested prefixes carry their ancestors' entries",
		rules: []v1alpha1.ACLRule{
			rule("hr/confidential/", allow(user("ceo@e.com")), group("Contractors")),
			rule("hr/", allow(group("HR"))),
			rule("hr/confidential/2024/", allow(user("auditor@e.com"))),
		},
		want: map[string]ACL{
			"hr/":                   {eg("HR", Allow)},
			"hr/confidential/":      {eg("Contractors", Deny), eu("ceo@e.com", Allow), eg("HR", Allow)},
			"hr/confidential/2024/": {eg("Contractors", Deny), eu("auditor@e.com", Allow), eu("ceo@e.com", Allow), eg("HR", Allow)},
		},
	}, {
		name: "prefixes are string prefixes, not folders",
		rules: []v1alpha1.ACLRule{
			rule("hr", allow(group("HR"))),
			rule("hr-archive/", allow(group("Archivists"))),
		},
		want: map[string]ACL{
			"hr":          {eg("HR", Allow)},
			"hr-archive/": {eg("Archivists", Allow), eg("HR", Allow)},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			p := mustCompile(t, tt.rules, v1alpha1.ACLFormatQuick)
			got := map[string]ACL{}
			for _, e := range parseGlobal(t, p.GlobalFile()) {
				got[strings.TrimPrefix(e.KeyPrefix, "s3://acme-docs/")] = e.ACLEntries
			}
			g.Expect(got).To(Equal(tt.want))
		})
	}
}

func parseGlobal(t *testing.T, b []byte) []globalElement {
	t.Helper()
	var elems []globalElement
	if err := json.Unmarshal(b, &elems); err != nil {
		t.Fatalf("global file is not JSON: %v", err)
	}
	return elems
}

func TestCompileIgnoresRuleOrder(t *testing.T) {
	g := NewWithT(t)
	rules := []v1alpha1.ACLRule{
		rule("hr/", allow(group("HR"))),
		rule("hr/confidential/", allow(user("ceo@e.com")), group("Contractors")),
		rule("sales/", allow(group("Sales"))),
		rule("hr/", allow(user("cfo@e.com"))),
	}
	want := mustCompile(t, rules, "")
	permute(rules, 0, func(perm []v1alpha1.ACLRule) {
		p := mustCompile(t, perm, "")
		g.Expect(p.GlobalFile()).To(Equal(want.GlobalFile()))
		g.Expect(p.Hash()).To(Equal(want.Hash()))
		g.Expect(p.ForKey("hr/confidential/x")).To(Equal(want.ForKey("hr/confidential/x")))
	})
}

func permute(r []v1alpha1.ACLRule, k int, f func([]v1alpha1.ACLRule)) {
	if k == len(r) {
		f(append([]v1alpha1.ACLRule(nil), r...))
		return
	}
	for i := k; i < len(r); i++ {
		r[k], r[i] = r[i], r[k]
		permute(r, k+1, f)
		r[k], r[i] = r[i], r[k]
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name   string
		rules  []v1alpha1.ACLRule
		format v1alpha1.ACLFormat
		bucket string
		field  string
		reason string
	}{
		{"empty bucket", nil, "", "", "", "bucket is empty"},
		{"unknown format", nil, "Kendra", "b", "format", `unknown ACL format "Kendra"`},
		{"empty prefix", []v1alpha1.ACLRule{rule("", allow(user("a@b.c")))}, "", "b", "rules[0].prefix", "needs a prefix"},
		{"prefix not UTF-8", []v1alpha1.ACLRule{rule("a\xff/", allow(user("a@b.c")))}, "", "b", "rules[0].prefix", "UTF-8"},
		{"prefix too long", []v1alpha1.ACLRule{rule(strings.Repeat("p", 1025), allow(user("a@b.c")))}, "", "b", "rules[0].prefix", "1024-byte"},
		{"no entries", []v1alpha1.ACLRule{rule("a/", nil)}, "", "b", "rules[0]", "at least one"},
		{"user and group", []v1alpha1.ACLRule{rule("a/", nil, v1alpha1.ACLEntry{User: "a@b.c", Group: "G"})}, "", "b", "rules[0].deny[0]", "not both"},
		{"neither", []v1alpha1.ACLRule{rule("a/", allow(user("a@b.c"), v1alpha1.ACLEntry{}))}, "", "b", "rules[0].allow[1]", "needs a user or a group"},
		{"name not UTF-8", []v1alpha1.ACLRule{rule("a/", allow(group("G\xfe")))}, "", "b", "rules[0].allow[0]", "UTF-8"},
		{"BedrockManaged rejects groups", []v1alpha1.ACLRule{
			rule("a/", allow(user("a@b.c"))), rule("b/", allow(user("a@b.c")), group("HR")),
		}, v1alpha1.ACLFormatBedrockManaged, "b", "rules[1].deny[0]", `only users; "HR" is a group`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			p, err := Compile(tt.rules, tt.format, tt.bucket)
			g.Expect(p).To(BeNil())
			var se *SpecError
			g.Expect(errors.As(err, &se)).To(BeTrue(), "want a *SpecError, got %v", err)
			g.Expect(se.Field).To(Equal(tt.field))
			g.Expect(err.Error()).To(ContainSubstring(tt.reason))
		})
	}
}

func TestForKey(t *testing.T) {
	p := mustCompile(t, []v1alpha1.ACLRule{
		rule("hr/", allow(group("HR"))),
		rule("hr/confidential/", allow(user("CEO@e.com")), group("Contractors")),
		rule("hr/confidential/offer.pdf", nil, user("ceo@e.com")),
		rule("sales/", allow(group("Sales"))),
	}, "")
	tests := []struct {
		key  string
		want ACL
	}{
		{"hr/handbook.pdf", ACL{eg("HR", Allow)}},
		{"hr/confidential/plan.pdf", ACL{eg("Contractors", Deny), eu("ceo@e.com", Allow), eg("HR", Allow)}},
		{"hr/confidential/offer.pdf", ACL{eu("ceo@e.com", Deny), eg("Contractors", Deny), eu("ceo@e.com", Allow), eg("HR", Allow)}},
		{"hr/confidential/offer.pdf.bak", ACL{eu("ceo@e.com", Deny), eg("Contractors", Deny), eu("ceo@e.com", Allow), eg("HR", Allow)}},
		{"sales/q3.pdf", ACL{eg("Sales", Allow)}},
		{"hr", nil},
		{"HR/handbook.pdf", nil},
		{"engineering/x", nil},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			NewWithT(t).Expect(p.ForKey(tt.key)).To(Equal(tt.want))
		})
	}
}

func TestForKeyReturnsACopy(t *testing.T) {
	g := NewWithT(t)
	p := mustCompile(t, salesAndHR(), "")
	a := p.ForKey("sales/x")
	a[0].Name = "mallory@e.com"
	g.Expect(p.ForKey("sales/x")[0].Name).To(Equal("alice@example.com"))
}

// TestGlobalFileAgreesWithForKey checks the reason for folding ancestors into
// nested elements: whether the service combines every matching keyPrefix or
// uses only the most specific one, each document gets ForKey's ACL.
func TestGlobalFileAgreesWithForKey(t *testing.T) {
	g := NewWithT(t)
	p := mustCompile(t, []v1alpha1.ACLRule{
		rule("a", allow(user("a@e.com"))),
		rule("a/", allow(group("A"))),
		rule("a/b/", allow(user("b@e.com")), group("A")),
		rule("a/b/c.pdf", nil, user("a@e.com")),
		rule("z/", allow(group("Z"))),
	}, "")
	elems := parseGlobal(t, p.GlobalFile())
	for _, key := range []string{"a", "ab", "a/", "a/x", "a/b/", "a/b/x", "a/b/c.pdf", "a/b/c.pdfx", "z/1", "y"} {
		var union []Entry
		longest := -1
		for i, e := range elems {
			prefix := strings.TrimPrefix(e.KeyPrefix, "s3://acme-docs/")
			if strings.HasPrefix(key, prefix) {
				union = append(union, e.ACLEntries...)
				if longest < 0 || len(prefix) > len(strings.TrimPrefix(elems[longest].KeyPrefix, "s3://acme-docs/")) {
					longest = i
				}
			}
		}
		var specific ACL
		if longest >= 0 {
			specific = elems[longest].ACLEntries
		}
		g.Expect(NewACL(union...)).To(Equal(p.ForKey(key)), "union reading for %q", key)
		g.Expect(NewACL(specific...)).To(Equal(p.ForKey(key)), "most-specific reading for %q", key)
	}
}

func TestHash(t *testing.T) {
	g := NewWithT(t)
	base := mustCompile(t, salesAndHR(), "")
	g.Expect(base.Hash()).To(MatchRegexp(`^[0-9a-f]{64}$`))

	same := map[string][]v1alpha1.ACLRule{
		"reordered rules": {salesAndHR()[1], salesAndHR()[0]},
		"user re-cased":   {rule("sales/", allow(group("Sales"), user("ALICE@example.com"))), salesAndHR()[1]},
		"duplicated entries and rules": {
			rule("sales/", allow(group("Sales"), user("alice@example.com"), group("Sales"))),
			salesAndHR()[1], salesAndHR()[1],
		},
		"split into two rules": {
			rule("sales/", allow(group("Sales"))), rule("sales/", allow(user("alice@example.com"))), salesAndHR()[1],
		},
	}
	for name, rules := range same {
		g.Expect(mustCompile(t, rules, "").Hash()).To(Equal(base.Hash()), name)
	}

	different := map[string]*Policy{
		"entry added":      mustCompile(t, append(salesAndHR(), rule("sales/", allow(user("bob@e.com")))), ""),
		"allow turns deny": mustCompile(t, []v1alpha1.ACLRule{rule("sales/", allow(user("alice@example.com")), group("Sales")), salesAndHR()[1]}, ""),
		"group re-cased":   mustCompile(t, []v1alpha1.ACLRule{rule("sales/", allow(group("SALES"), user("alice@example.com"))), salesAndHR()[1]}, ""),
		"prefix changed":   mustCompile(t, []v1alpha1.ACLRule{rule("sales2/", allow(group("Sales"), user("alice@example.com"))), salesAndHR()[1]}, ""),
		"rule removed":     mustCompile(t, salesAndHR()[:1], ""),
	}
	seen := map[string]string{base.Hash(): "base"}
	for name, p := range different {
		g.Expect(seen).NotTo(HaveKey(p.Hash()), name)
		seen[p.Hash()] = name
	}
	otherBucket, err := Compile(salesAndHR(), "", "other-bucket")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(otherBucket.Hash()).NotTo(Equal(base.Hash()), "the bucket is in every keyPrefix")

	users := []v1alpha1.ACLRule{rule("a/", allow(user("a@e.com")))}
	g.Expect(mustCompile(t, users, v1alpha1.ACLFormatQuick).Hash()).
		NotTo(Equal(mustCompile(t, users, v1alpha1.ACLFormatBedrockManaged).Hash()), "the format names the sidecar field")
}
