package controllers

import (
	"context"
	"testing"
	"time"

	"github.com/onsi/gomega"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/awsclient"
	"github.com/kbwarden/kbwarden/internal/testenv"
)

// bindingFixture is a moto of its own with IAM enforced (the package's
// shared moto stays open for the KnowledgeBase tests), a binding reconciler
// over it acting as the manager user, and its calls counted.
type bindingFixture struct {
	r      *AccountBindingReconciler
	clock  *clocktesting.FakePassiveClock
	calls  *testenv.RequestCounter
	faults *testenv.FaultProxy
}

func newBindingFixture(t *testing.T) *bindingFixture {
	t.Helper()
	ctx := context.Background()
	moto, err := testenv.StartMoto(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(moto.Stop)
	tenancy, err := moto.SetUpTenancy(ctx,
		testenv.Tenant{Role: "team-a", Binding: "team-a-dev", ExternalID: "team-a-ext", Buckets: "team-a-*"},
		testenv.Tenant{Role: "stranger", Binding: "team-a-dev", Buckets: "team-a-*", Untrusted: true},
	)
	if err != nil {
		t.Fatalf("%v (moto's log: %s)", err, moto.LogPath())
	}
	f := &bindingFixture{clock: clocktesting.NewFakePassiveClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)), calls: testenv.NewRequestCounter()}
	if f.faults, err = testenv.NewFaultProxy(moto.Endpoint); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.faults.Close)
	cfg := tenancy.Manager.Copy()
	cfg.BaseEndpoint = &f.faults.URL
	cfg.RetryMaxAttempts = 1
	f.calls.Install(&cfg)
	bindingCalls.Install(&cfg) // for checkIAMPolicyCoversEveryCall
	f.r = &AccountBindingReconciler{
		Client: env.Client,
		AWS:    awsclient.NewFactory(cfg, "", true, awsclient.WithClock(f.clock)),
		Clock:  f.clock,
	}
	return f
}

// reconcile runs one pass and returns the binding as the API server has it.
func (f *bindingFixture) reconcile(g gomega.Gomega, name string) (*kbv1.AccountBinding, ctrl.Result, error) {
	res, err := f.r.Reconcile(context.Background(), ctrl.Request{NamespacedName: types.NamespacedName{Name: name}})
	got := &kbv1.AccountBinding{}
	g.Expect(env.Client.Get(context.Background(), client.ObjectKey{Name: name}, got)).To(gomega.Succeed())
	return got, res, err
}

func newAccountBinding(t *testing.T, name string, spec kbv1.AccountBindingSpec) *kbv1.AccountBinding {
	t.Helper()
	b := &kbv1.AccountBinding{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: spec}
	if err := env.Client.Create(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), b) })
	return b
}

func teamASpec() kbv1.AccountBindingSpec {
	return kbv1.AccountBindingSpec{
		NamespaceSelector: metav1.LabelSelector{MatchLabels: map[string]string{"kbwarden.io/tenant": "team-a"}},
		AccountID:         testenv.AccountID,
		RoleARN:           testenv.RoleARN("team-a"),
		ExternalID:        "team-a-ext",
		Buckets:           []string{"team-a-*"},
	}
}

func bindingCondition(b *kbv1.AccountBinding, t string) *metav1.Condition {
	return apimeta.FindStatusCondition(b.Status.Conditions, t)
}

func TestAccountBindingVerification(t *testing.T) {
	f := newBindingFixture(t)

	t.Run("a role that lands in accountId is Ready, and a steady state costs nothing", func(t *testing.T) {
		g := gomega.NewWithT(t)
		newAccountBinding(t, "team-a-dev", teamASpec())
		b, res, err := f.reconcile(g, "team-a-dev")
		g.Expect(err).NotTo(gomega.HaveOccurred())
		g.Expect(res.RequeueAfter).To(gomega.BeNumerically("~", kbv1.DefaultAccountBindingInterval, kbv1.DefaultAccountBindingInterval/5))
		ready := bindingCondition(b, kbv1.ReadyCondition)
		g.Expect(ready).NotTo(gomega.BeNil())
		g.Expect(ready.Status).To(gomega.Equal(metav1.ConditionTrue))
		g.Expect(ready.Message).To(gomega.ContainSubstring("assumed-role/team-a/kbwarden-binding-team-a-dev"))
		g.Expect(ready.LastTransitionTime.Time).To(gomega.BeTemporally("==", f.clock.Now()))
		g.Expect(bindingCondition(b, kbv1.StalledCondition)).To(gomega.BeNil())
		g.Expect(bindingCondition(b, kbv1.ReconcilingCondition)).To(gomega.BeNil())
		g.Expect(b.Status.ObservedGeneration).To(gomega.Equal(b.Generation))
		g.Expect(b.Status.Identity).To(gomega.Equal("arn:aws:sts::" + testenv.AccountID + ":assumed-role/team-a/kbwarden-binding-team-a-dev"))

		for range 5 {
			f.clock.SetTime(f.clock.Now().Add(time.Minute))
			again, _, err := f.reconcile(g, "team-a-dev")
			g.Expect(err).NotTo(gomega.HaveOccurred())
			g.Expect(again.ResourceVersion).To(gomega.Equal(b.ResourceVersion), "an unchanged status is not written")
		}
		g.Expect(f.calls.Count("AssumeRole", "")).To(gomega.Equal(1))
		g.Expect(f.calls.Count("GetCallerIdentity", "")).To(gomega.Equal(1))
	})

	t.Run("the manager's own identity in another account is AccountMismatch", func(t *testing.T) {
		g := gomega.NewWithT(t)
		spec := teamASpec()
		spec.RoleARN, spec.ExternalID, spec.AccountID = "", "", "222222222222"
		newAccountBinding(t, "own-identity", spec)
		b, _, err := f.reconcile(g, "own-identity")
		g.Expect(err).NotTo(gomega.HaveOccurred())
		ready := bindingCondition(b, kbv1.ReadyCondition)
		g.Expect(ready.Status).To(gomega.Equal(metav1.ConditionFalse))
		g.Expect(ready.Reason).To(gomega.Equal(kbv1.AccountMismatchReason))
		g.Expect(ready.Message).To(gomega.ContainSubstring("land in account " + testenv.AccountID))
		g.Expect(ready.Message).To(gomega.ContainSubstring("not in spec.accountId 222222222222"))
		g.Expect(bindingCondition(b, kbv1.StalledCondition)).To(gomega.HaveField("Reason", kbv1.AccountMismatchReason))
	})

	t.Run("a role that does not trust kbwarden is AssumeRoleFailed until it is fixed", func(t *testing.T) {
		g := gomega.NewWithT(t)
		spec := teamASpec()
		spec.RoleARN, spec.ExternalID = testenv.RoleARN("stranger"), ""
		obj := newAccountBinding(t, "stranger", spec)
		b, res, err := f.reconcile(g, "stranger")
		g.Expect(err).NotTo(gomega.HaveOccurred())
		g.Expect(res.RequeueAfter).To(gomega.BeNumerically(">", 0), "looked at again: the trust policy may be fixed in AWS")
		ready := bindingCondition(b, kbv1.ReadyCondition)
		g.Expect(ready.Reason).To(gomega.Equal(kbv1.AssumeRoleFailedReason))
		g.Expect(ready.Message).To(gomega.ContainSubstring("role " + testenv.RoleARN("stranger") + " could not be assumed"))
		g.Expect(bindingCondition(b, kbv1.StalledCondition)).To(gomega.HaveField("Reason", kbv1.AssumeRoleFailedReason))
		failedAt := ready.LastTransitionTime

		// The platform team points the binding at the right role.
		f.clock.SetTime(f.clock.Now().Add(time.Hour))
		g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)).To(gomega.Succeed())
		obj.Spec.RoleARN, obj.Spec.ExternalID = testenv.RoleARN("team-a"), "team-a-ext"
		g.Expect(env.Client.Update(context.Background(), obj)).To(gomega.Succeed())
		b, _, err = f.reconcile(g, "stranger")
		g.Expect(err).NotTo(gomega.HaveOccurred())
		ready = bindingCondition(b, kbv1.ReadyCondition)
		g.Expect(ready.Status).To(gomega.Equal(metav1.ConditionTrue))
		g.Expect(ready.LastTransitionTime.Time).To(gomega.BeTemporally("==", failedAt.Add(time.Hour)))
		g.Expect(bindingCondition(b, kbv1.StalledCondition)).To(gomega.BeNil())
		g.Expect(b.Status.ObservedGeneration).To(gomega.Equal(b.Generation))
	})

	t.Run("a wrong external ID is AssumeRoleFailed", func(t *testing.T) {
		g := gomega.NewWithT(t)
		spec := teamASpec()
		spec.ExternalID = "guessed"
		newAccountBinding(t, "wrong-external-id", spec)
		b, _, err := f.reconcile(g, "wrong-external-id")
		g.Expect(err).NotTo(gomega.HaveOccurred())
		g.Expect(bindingCondition(b, kbv1.ReadyCondition)).To(gomega.HaveField("Reason", kbv1.AssumeRoleFailedReason))
	})

	t.Run("STS unavailable: Reconciling, retried with backoff, not Stalled", func(t *testing.T) {
		g := gomega.NewWithT(t)
		spec := teamASpec()
		newAccountBinding(t, "sts-down", spec)
		f.faults.Inject("", "", testenv.Fault{Status: 503, Code: "ServiceUnavailable"})
		defer f.faults.Clear()
		b, _, err := f.reconcile(g, "sts-down")
		g.Expect(err).To(gomega.HaveOccurred())
		g.Expect(bindingCondition(b, kbv1.ReconcilingCondition)).To(gomega.HaveField("Reason", kbv1.IdentityCheckFailedReason))
		g.Expect(bindingCondition(b, kbv1.ReadyCondition)).To(gomega.HaveField("Status", metav1.ConditionUnknown))
		g.Expect(bindingCondition(b, kbv1.StalledCondition)).To(gomega.BeNil())

		f.faults.Clear()
		b, _, err = f.reconcile(g, "sts-down")
		g.Expect(err).NotTo(gomega.HaveOccurred())
		g.Expect(bindingCondition(b, kbv1.ReadyCondition)).To(gomega.HaveField("Status", metav1.ConditionTrue))
		g.Expect(bindingCondition(b, kbv1.ReconcilingCondition)).To(gomega.BeNil())
	})

	t.Run("a deleted binding's sessions are forgotten", func(t *testing.T) {
		g := gomega.NewWithT(t)
		_, err := f.r.AWS.ForIdentity(awsclient.Identity{Binding: "gone", RoleARN: testenv.RoleARN("team-a"), Namespace: "n", KnowledgeBase: "k"}, "")
		g.Expect(err).NotTo(gomega.HaveOccurred())
		before := f.r.AWS.Sessions()
		res, err := f.r.Reconcile(context.Background(), ctrl.Request{NamespacedName: types.NamespacedName{Name: "gone"}})
		g.Expect(err).NotTo(gomega.HaveOccurred())
		g.Expect(res).To(gomega.Equal(ctrl.Result{}))
		g.Expect(f.r.AWS.Sessions()).To(gomega.Equal(before - 1))
	})
}

// TestAccountBindingValidation: the API server refuses, each with its own
// message, what the binding's grammar does not admit.
func TestAccountBindingValidation(t *testing.T) {
	cases := map[string]struct {
		mutate  func(*kbv1.AccountBindingSpec)
		message string
	}{
		"a role in another account":             {func(s *kbv1.AccountBindingSpec) { s.RoleARN = "arn:aws:iam::999999999999:role/kbwarden/team-a" }, "roleArn must be a role in accountId's account"},
		"a character class":                     {func(s *kbv1.AccountBindingSpec) { s.Buckets = []string{"team-[ab]-*"} }, "bucket patterns take only * and ? wildcards"},
		"a prefix ending in a slash":            {func(s *kbv1.AccountBindingSpec) { s.Buckets = []string{"acme-docs/team-a/"} }, "write bucket/prefix/* for the keys under a prefix"},
		"an upper-case bucket":                  {func(s *kbv1.AccountBindingSpec) { s.Buckets = []string{"Team-A"} }, "a bucket pattern is a bucket name"},
		"no buckets":                            {func(s *kbv1.AccountBindingSpec) { s.Buckets = nil }, "spec.buckets"},
		"a short account":                       {func(s *kbv1.AccountBindingSpec) { s.AccountID = "1234" }, "spec.accountId"},
		"a region that is none":                 {func(s *kbv1.AccountBindingSpec) { s.Regions = []string{"mars"} }, "spec.regions[0]"},
		"a knowledge base pattern with a slash": {func(s *kbv1.AccountBindingSpec) { s.KnowledgeBaseIDs = []string{"KB/123456"} }, "spec.knowledgeBaseIds[0]"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := gomega.NewWithT(t)
			spec := teamASpec()
			tc.mutate(&spec)
			err := env.Client.Create(context.Background(), &kbv1.AccountBinding{ObjectMeta: metav1.ObjectMeta{Name: "invalid"}, Spec: spec})
			g.Expect(err).To(gomega.MatchError(gomega.ContainSubstring(tc.message)))
		})
	}
	t.Run("the sketch of the issue is valid", func(t *testing.T) {
		g := gomega.NewWithT(t)
		spec := teamASpec()
		spec.Regions = []string{"us-east-1"}
		spec.Buckets = []string{"team-a-*", "acme-docs/team-a/*"}
		spec.KnowledgeBaseIDs = []string{"*"}
		b := &kbv1.AccountBinding{ObjectMeta: metav1.ObjectMeta{Name: "valid"}, Spec: spec}
		g.Expect(env.Client.Create(context.Background(), b)).To(gomega.Succeed())
		g.Expect(b.Status.ObservedGeneration).To(gomega.Equal(int64(-1)), "a new binding reads as in progress")
		g.Expect(env.Client.Delete(context.Background(), b)).To(gomega.Succeed())
	})
}
