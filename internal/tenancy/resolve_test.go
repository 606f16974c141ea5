package tenancy

import (
	"errors"
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
)

func TestResolve(t *testing.T) {
	teamA := binding("team-a-dev", "team-a")
	teamAProd := binding("team-a-prod", "team-a")
	teamB := binding("team-b-dev", "team-b")
	everyone := binding("everyone", "", func(b *kbv1.AccountBinding) { b.Spec.NamespaceSelector = metav1.LabelSelector{} })
	badSelector := binding("bad", "team-a", func(b *kbv1.AccountBinding) {
		b.Spec.NamespaceSelector.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: "x", Operator: "Sometimes"}}
	})

	cases := map[string]struct {
		ns        Namespace
		requested string
		bindings  []kbv1.AccountBinding
		want      string // binding name, or "" when an error is expected
		reason    string
		contains  []string
	}{
		"the one binding selecting the namespace": {
			ns: ns("a", "team-a"), bindings: []kbv1.AccountBinding{teamA, teamB}, want: "team-a-dev",
		},
		"named binding selecting the namespace": {
			ns: ns("a", "team-a"), requested: "team-a-prod", bindings: []kbv1.AccountBinding{teamA, teamAProd, teamB}, want: "team-a-prod",
		},
		"no binding selects the namespace": {
			ns: ns("c", "team-c"), bindings: []kbv1.AccountBinding{teamA, teamB},
			reason: kbv1.NoAccountBindingReason, contains: []string{"no AccountBinding selects namespace c", "ask the platform team", "kbwarden.io/tenant=team-c"},
		},
		"unlabelled namespace": {
			ns: Namespace{Name: "plain"}, bindings: []kbv1.AccountBinding{teamA},
			reason: kbv1.NoAccountBindingReason, contains: []string{"it has no labels"},
		},
		"no bindings at all": {
			ns: ns("a", "team-a"), reason: kbv1.NoAccountBindingReason,
		},
		"two Ready bindings select the namespace and none is named": {
			ns: ns("a", "team-a"), bindings: []kbv1.AccountBinding{teamAProd, teamA},
			reason: kbv1.NoAccountBindingReason, contains: []string{"2 Ready AccountBindings select namespace a (team-a-dev, team-a-prod)", "set spec.accountBinding"},
		},
		"two select, one Ready: the Ready one": {
			ns: ns("a", "team-a"), bindings: []kbv1.AccountBinding{binding("team-a-prod", "team-a", notVerified), teamA}, want: "team-a-dev",
		},
		"two select, none Ready": {
			ns: ns("a", "team-a"), bindings: []kbv1.AccountBinding{binding("team-a-prod", "team-a", notVerified), binding("team-a-dev", "team-a", notVerified)},
			reason: kbv1.AccountBindingNotReadyReason, contains: []string{"team-a-dev, team-a-prod"},
		},
		"the only selecting binding is not verified yet": {
			ns: ns("a", "team-a"), bindings: []kbv1.AccountBinding{binding("team-a-dev", "team-a", notVerified)},
			reason: kbv1.AccountBindingNotReadyReason, contains: []string{"not verified yet"},
		},
		"Ready of an older generation is not Ready": {
			ns: ns("a", "team-a"), bindings: []kbv1.AccountBinding{binding("team-a-dev", "team-a", staleGeneration)},
			reason: kbv1.AccountBindingNotReadyReason,
		},
		"the binding's role lands in another account": {
			ns: ns("a", "team-a"), bindings: []kbv1.AccountBinding{binding("team-a-dev", "team-a", readyFalse(kbv1.AccountMismatchReason, "credentials land in account 222222222222, not 111111111111"))},
			reason: kbv1.AccountMismatchReason, contains: []string{"222222222222"},
		},
		"the binding's role cannot be assumed": {
			ns: ns("a", "team-a"), requested: "team-a-dev", bindings: []kbv1.AccountBinding{binding("team-a-dev", "team-a", readyFalse(kbv1.AssumeRoleFailedReason, "AccessDenied"))},
			reason: kbv1.AccountBindingNotReadyReason, contains: []string{"AssumeRoleFailed: AccessDenied"},
		},
		"named binding does not exist": {
			ns: ns("a", "team-a"), requested: "team-a-stage", bindings: []kbv1.AccountBinding{teamA},
			reason: kbv1.NoAccountBindingReason, contains: []string{"team-a-stage, which does not exist"},
		},
		"named binding of another team": {
			ns: ns("b", "team-b"), requested: "team-a-dev", bindings: []kbv1.AccountBinding{teamA, teamB},
			reason: kbv1.NotGrantedReason, contains: []string{"does not select namespace b", "kbwarden.io/tenant=team-b"},
		},
		"named binding whose selector does not parse": {
			ns: ns("a", "team-a"), requested: "bad", bindings: []kbv1.AccountBinding{badSelector},
			reason: kbv1.NotGrantedReason, contains: []string{"namespaceSelector"},
		},
		"a selector that does not parse selects nothing": {
			ns: ns("a", "team-a"), bindings: []kbv1.AccountBinding{badSelector, teamA}, want: "team-a-dev",
		},
		"an empty selector selects every namespace": {
			ns: ns("z", ""), bindings: []kbv1.AccountBinding{everyone, teamA}, want: "everyone",
		},
		"the empty selector and the team's binding are ambiguous": {
			ns: ns("a", "team-a"), bindings: []kbv1.AccountBinding{everyone, teamA}, reason: kbv1.NoAccountBindingReason,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			got, err := Resolve(tc.ns, tc.requested, tc.bindings)
			if tc.want != "" {
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(got.Name).To(Equal(tc.want))
				return
			}
			g.Expect(got).To(BeNil())
			var terr *Error
			g.Expect(errors.As(err, &terr)).To(BeTrue(), "want a *tenancy.Error, got %v", err)
			g.Expect(terr.Reason).To(Equal(tc.reason))
			g.Expect(errors.Is(err, &Error{Reason: tc.reason})).To(BeTrue())
			for _, s := range tc.contains {
				g.Expect(terr.Message).To(ContainSubstring(s))
			}
		})
	}
}

func TestResolveReturnsAPointerIntoBindings(t *testing.T) {
	g := NewWithT(t)
	bs := []kbv1.AccountBinding{binding("team-a-dev", "team-a")}
	got, err := Resolve(ns("a", "team-a"), "", bs)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got).To(BeIdenticalTo(&bs[0]))
}

func TestErrorClasses(t *testing.T) {
	g := NewWithT(t)
	g.Expect(errors.Is(&Error{Reason: kbv1.NotGrantedReason, Message: "x"}, ErrNotGranted)).To(BeTrue())
	g.Expect(errors.Is(&Error{Reason: kbv1.NotGrantedReason, Message: "x"}, ErrNoAccountBinding)).To(BeFalse())
	g.Expect(ErrNotReady.Stalled()).To(BeFalse())
	for _, e := range []*Error{ErrNoAccountBinding, ErrNotGranted, ErrAccountMismatch} {
		g.Expect(e.Stalled()).To(BeTrue(), e.Reason)
	}
}
