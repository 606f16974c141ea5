package quickemu

import (
	"slices"
	"testing"

	"github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/acl"
)

// TestReadsWhatKbwardenWrites feeds the emulator the files internal/acl
// renders for one set of rules, the global file and the sidecars, and
// checks that both give each principal the same documents: the emulator's
// reader and kbwarden's writer agree on the formats, although neither
// uses the other's code.
func TestReadsWhatKbwardenWrites(t *testing.T) {
	rules := []v1alpha1.ACLRule{
		{Prefix: "hr/", Allow: []v1alpha1.ACLEntry{{Group: "Employees"}, {User: "Auditor@Example.com"}}, Deny: []v1alpha1.ACLEntry{{Group: "Contractors"}}},
		{Prefix: "pub/", Allow: []v1alpha1.ACLEntry{{Group: "Contractors"}, {Group: "Employees"}}},
	}
	docs := []string{"hr/pay.txt", "hr/review.txt", "pub/menu.txt", "misc/none.txt"}
	who := []principal{
		{"", []string{"Employees"}},
		{"", []string{"Contractors"}},
		{"auditor@example.com", nil},
		{"dave@example.com", []string{"Employees", "Contractors"}},
	}

	e := newEnv(t)
	policy, err := acl.Compile(rules, v1alpha1.ACLFormatQuick, e.docs)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		e.put(d, "text of "+d)
		side, changed, err := acl.RenderSidecar(nil, policy.ForKey(d), v1alpha1.ACLFormatQuick, 0)
		if err != nil {
			t.Fatal(err)
		}
		if changed {
			key, _ := acl.SidecarKey(d, "meta/")
			e.put(key, string(side))
		}
	}
	e.put("meta/global.json", string(policy.GlobalFile()))
	e.addKB("global", ACLGlobal, func(kb *KnowledgeBase) { kb.GlobalACLFile = "meta/global.json" })
	e.addKB("sidecars", ACLPerDocument, func(kb *KnowledgeBase) { kb.MetadataPrefix = "meta/" })
	for _, kb := range []string{"global", "sidecars"} {
		if in := e.ingest(kb); in.Status != statusCompleted || !slices.Equal(in.NotIngested, []string{"misc/none.txt"}) {
			t.Fatalf("%s: %s, not ingested %q, %v", kb, in.Status, in.NotIngested, in.Reasons)
		}
	}
	want := map[string][]string{
		"Employees":           {"hr/pay.txt", "hr/review.txt", "pub/menu.txt"},
		"Contractors":         {"pub/menu.txt"},
		"auditor@example.com": {"hr/pay.txt", "hr/review.txt"},
		"dave@example.com":    {"pub/menu.txt"},
	}
	for _, p := range who {
		name := p.user
		if name == "" {
			name = p.groups[0]
		}
		for _, kb := range []string{"global", "sidecars"} {
			if got := e.srv.Retrievable(acct, kb, p.user, p.groups); !slices.Equal(got, want[name]) {
				t.Errorf("%s: Retrievable(%s) = %q, want %q", kb, name, got, want[name])
			}
		}
	}
}
