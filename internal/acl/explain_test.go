package acl

import (
	"testing"

	. "github.com/onsi/gomega"

	"github.com/kbwarden/kbwarden/api/v1alpha1"
)

func TestExplain(t *testing.T) {
	p := mustCompile(t, []v1alpha1.ACLRule{
		rule("hr/", allow(group("HR"))),                                          // 0
		rule("hr/confidential/", allow(user("ceo@e.com")), group("Contractors")), // 1
		rule("legal/", nil, group("Interns")),                                    // 2
		rule("board/", allow(user("chair@e.com"))),                               // 3
		rule("board/minutes/", nil, user("Chair@e.com")),                         // 4
		rule("ops/", allow(group("Ops"), user("pat@e.com")), user("sam@e.com")),  // 5
	}, "")
	id := func(t EntryType, n string) Identity { return Identity{Type: t, Name: n} }
	tests := []struct {
		key         string
		matches     []int
		effective   []Identity
		unreachable bool
		notes       []string
	}{{
		key: "hr/handbook.pdf", matches: []int{0}, effective: []Identity{id(Group, "HR")},
	}, {
		key: "hr/confidential/plan.pdf", matches: []int{0, 1},
		effective: []Identity{id(User, "ceo@e.com"), id(Group, "HR")},
		notes: []string{`group "Contractors" is denied. kbwarden cannot resolve group membership, so its members ` +
			`cannot retrieve the document even when allowed as user "ceo@e.com", group "HR" (deny wins).`},
	}, {
		key: "engineering/design.md", unreachable: true,
		notes: []string{"No rule's prefix matches this key, so nobody can retrieve the document (deny by default); " +
			"a Quick knowledge base does not even ingest it."},
	}, {
		key: "legal/contract.pdf", matches: []int{2}, unreachable: true,
		notes: []string{"The matching rules only deny, so nobody can retrieve the document (deny by default)."},
	}, {
		key: "board/minutes/2024.pdf", matches: []int{3, 4}, unreachable: true,
		notes: []string{"Every allowed identity is also denied, and deny wins, so nobody can retrieve the document."},
	}, {
		key: "ops/runbook.md", matches: []int{5},
		effective: []Identity{id(User, "pat@e.com"), id(Group, "Ops")},
		notes:     []string{`user "sam@e.com" is denied even if a member of group "Ops" (deny wins).`},
	}}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			g := NewWithT(t)
			x := p.Explain(tt.key)
			var idx []int
			for _, m := range x.Matches {
				idx = append(idx, m.Index)
			}
			g.Expect(idx).To(Equal(tt.matches))
			g.Expect(x.Effective).To(Equal(tt.effective))
			g.Expect(x.Unreachable).To(Equal(tt.unreachable))
			g.Expect(x.Notes).To(Equal(tt.notes))
			g.Expect(x.Unreachable).To(Equal(!p.ForKey(tt.key).Reachable()), "Explain and ACL.Reachable agree")
		})
	}
}

func TestExplanationString(t *testing.T) {
	g := NewWithT(t)
	p := mustCompile(t, []v1alpha1.ACLRule{
		rule("hr/", allow(group("HR"))),
		rule("hr/confidential/", allow(user("CEO@e.com")), group("Contractors")),
	}, "")
	g.Expect(p.Explain("hr/confidential/plan.pdf").String()).To(Equal(`"hr/confidential/plan.pdf"
  rules[0] "hr/": allows group "HR"
  rules[1] "hr/confidential/": allows user "ceo@e.com"; denies group "Contractors"
  can retrieve: user "ceo@e.com", group "HR"
  note: group "Contractors" is denied. kbwarden cannot resolve group membership, so its members cannot retrieve the document even when allowed as user "ceo@e.com", group "HR" (deny wins).
`))
	g.Expect(p.Explain("tmp/\x1b[31mx").String()).To(Equal(`"tmp/\x1b[31mx"
  UNREACHABLE: nobody can retrieve this document
  note: No rule's prefix matches this key, so nobody can retrieve the document (deny by default); a Quick knowledge base does not even ingest it.
`), "control characters in keys are quoted, not sent to the terminal")
}

func TestExplainDoesNotShareState(t *testing.T) {
	g := NewWithT(t)
	p := mustCompile(t, salesAndHR(), "")
	x := p.Explain("sales/a")
	x.Matches[0].Allow[0].Name = "changed"
	g.Expect(p.Explain("sales/a").Matches[0].Allow[0].Name).To(Equal("alice@example.com"))
}
