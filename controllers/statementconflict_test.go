package controllers

import (
	"context"
	"testing"
	"time"

	"github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/testenv"
)

// TestSharedVectorBucket puts two KnowledgeBases on one vector bucket. With
// the same statement ID the one created second stalls with
// StatementConflict instead of rewriting the first one's statement every
// drift check; once it has its own statement ID both statements live side by
// side in the policy.
func TestSharedVectorBucket(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	ctx := context.Background()
	bucket := "kbw-shared-vectors"
	createBucket(t, bucket, "")

	first := runbookKnowledgeBase("shared-first", bucket)
	first.Spec.Bedrock.KnowledgeBaseID = "KBSHARED01"
	g.Expect(createKB(t, first)).To(gomega.Succeed())
	eventually(g, func(g gomega.Gomega) {
		g.Expect(condition(get(g, first), kbv1.VectorBucketPolicyInSyncCondition)).To(gomega.HaveField("Status", metav1.ConditionTrue))
	}).Should(gomega.Succeed())
	time.Sleep(1100 * time.Millisecond) // creation timestamps are to the second

	second := runbookKnowledgeBase("shared-second", bucket)
	second.Spec.Bedrock.KnowledgeBaseID = "KBSHARED02"
	g.Expect(createKB(t, second)).To(gomega.Succeed())
	eventually(g, func(g gomega.Gomega) {
		got := get(g, second)
		c := condition(got, kbv1.VectorBucketPolicyInSyncCondition)
		g.Expect(c).To(gomega.HaveField("Reason", kbv1.StatementConflictReason))
		g.Expect(c.Message).To(gomega.ContainSubstring("KnowledgeBase default/shared-first already owns policy statement BedrockKnowledgeBaseAccess"))
		g.Expect(condition(got, kbv1.StalledCondition)).To(gomega.HaveField("Reason", kbv1.StatementConflictReason))
	}).Should(gomega.Succeed())
	g.Expect(condition(get(g, first), kbv1.VectorBucketPolicyInSyncCondition)).To(gomega.HaveField("Status", metav1.ConditionTrue))

	g.Expect(updateKB(ctx, second, func(kb *kbv1.KnowledgeBase) {
		kb.Spec.VectorBucket.Policy.StatementID = "BedrockKnowledgeBaseAccessSecond"
	})).To(gomega.Succeed())
	eventually(g, func(g gomega.Gomega) {
		g.Expect(condition(get(g, second), kbv1.VectorBucketPolicyInSyncCondition)).To(gomega.HaveField("Status", metav1.ConditionTrue))
		policy := livePolicy(g, bucket)
		g.Expect(policy).To(gomega.ContainSubstring(`"BedrockKnowledgeBaseAccess"`))
		g.Expect(policy).To(gomega.ContainSubstring(`"BedrockKnowledgeBaseAccessSecond"`))
	}).Should(gomega.Succeed())
}

// TestStatementKey: the index key of a statement names its account, so two
// KnowledgeBases in different accounts with the same bucket name and Sid
// (an S3 Vectors bucket of each account, or an S3 bucket only one of them
// owns) have different keys.
func TestStatementKey(t *testing.T) {
	t.Parallel()
	kb := func(mutate func(*kbv1.KnowledgeBase)) *kbv1.KnowledgeBase {
		k := &kbv1.KnowledgeBase{Spec: kbv1.KnowledgeBaseSpec{Region: "us-east-1",
			VectorBucket: kbv1.VectorBucketSpec{Name: "vectors", Type: kbv1.VectorBucketS3Vectors}}}
		if mutate != nil {
			mutate(k)
		}
		return k
	}
	d := regionDefaults{}
	base := d.statementKey(kb(nil), "111111111111")
	tests := map[string]struct {
		key  string
		same bool
	}{
		"the same statement in the same account": {key: d.statementKey(kb(nil), "111111111111"), same: true},
		"the default Sid written out is the default Sid": {key: d.statementKey(kb(func(k *kbv1.KnowledgeBase) {
			k.Spec.VectorBucket.Policy = &kbv1.BucketPolicySpec{StatementID: kbv1.DefaultStatementID}
		}), "111111111111"), same: true},
		"the same bucket name and Sid in another account": {key: d.statementKey(kb(nil), "222222222222")},
		"the same bucket name and Sid, account not named": {key: d.statementKey(kb(nil), "")},
		"another region":      {key: d.statementKey(kb(func(k *kbv1.KnowledgeBase) { k.Spec.Region = "eu-west-1" }), "111111111111")},
		"another bucket type": {key: d.statementKey(kb(func(k *kbv1.KnowledgeBase) { k.Spec.VectorBucket.Type = kbv1.VectorBucketS3 }), "111111111111")},
		"another bucket":      {key: d.statementKey(kb(func(k *kbv1.KnowledgeBase) { k.Spec.VectorBucket.Name = "vectors2" }), "111111111111")},
		"another Sid":         {key: d.statementKey(kb(func(k *kbv1.KnowledgeBase) { k.Spec.VectorBucket.Policy = &kbv1.BucketPolicySpec{StatementID: "Other"} }), "111111111111")},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := gomega.NewWithT(t)
			if tc.same {
				g.Expect(tc.key).To(gomega.Equal(base))
			} else {
				g.Expect(tc.key).NotTo(gomega.Equal(base))
			}
		})
	}
}

// TestStatementOwner: which KnowledgeBase owns a policy statement, under
// each tenancy mode. The other KnowledgeBase of every case was created
// before team-a/mine, so it would own the statement if it may: it may only
// when it acts in the same account and, under tenancy, its binding grants
// it. A KnowledgeBase its binding does not grant (or that no binding
// selects) neither blocks a granted one nor takes its statement, whatever
// account it writes in its spec.
func TestStatementOwner(t *testing.T) {
	t.Parallel()
	const mine, theirs = "111111111111", "222222222222"
	earlier := metav1.NewTime(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
	later := metav1.NewTime(earlier.Add(time.Minute))
	kbIn := func(ns, name, vectors, docs, account string, created metav1.Time) *kbv1.KnowledgeBase {
		return &kbv1.KnowledgeBase{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID(ns + "/" + name), CreationTimestamp: created},
			Spec: kbv1.KnowledgeBaseSpec{Bedrock: &kbv1.BedrockSpec{KnowledgeBaseID: "KBOWNER001", DataSourceID: "DSOWNER001"}, Region: "us-east-1", AccountID: account,
				VectorBucket: kbv1.VectorBucketSpec{Name: vectors}, Documents: kbv1.DocumentsSpec{Bucket: docs, Prefix: "docs/"}},
		}
	}
	namespace := func(name, tenant string) *corev1.Namespace {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		if tenant != "" {
			ns.Labels = map[string]string{"kbwarden.io/tenant": tenant}
		}
		return ns
	}
	binding := func(tenant, account string, buckets ...string) *kbv1.AccountBinding {
		return &kbv1.AccountBinding{
			ObjectMeta: metav1.ObjectMeta{Name: tenant, Generation: 1},
			Spec: kbv1.AccountBindingSpec{AccountID: account, Buckets: buckets,
				NamespaceSelector: metav1.LabelSelector{MatchLabels: map[string]string{"kbwarden.io/tenant": tenant}}},
			Status: kbv1.AccountBindingStatus{ObservedGeneration: 1, Conditions: []metav1.Condition{{
				Type: kbv1.ReadyCondition, Status: metav1.ConditionTrue, Reason: kbv1.SucceededReason, LastTransitionTime: earlier}}},
		}
	}
	world := []client.Object{
		namespace("team-a", "team-a"), binding("team-a", mine, "team-a-*"),
		// team-c is another team of the same account, granted team-a's buckets.
		namespace("team-c", "team-c"), binding("team-c", mine, "team-a-*"),
		// team-d is in the same account, granted only its own buckets.
		namespace("team-d", "team-d"), binding("team-d", mine, "team-d-*"),
		// team-e is in another account, with buckets of the same names.
		namespace("team-e", "team-e"), binding("team-e", theirs, "team-a-*"),
		namespace("loose", ""),
	}
	mineKB := kbIn("team-a", "mine", "team-a-vectors", "team-a-docs", "", later)
	tests := map[string]struct {
		tenancy TenancyMode
		obj     *kbv1.KnowledgeBase
		account string // obj's account, as the preconditions step resolved it
		other   *kbv1.KnowledgeBase
		want    string
	}{
		"Required: a granted KnowledgeBase of the same account created first owns it": {
			tenancy: TenancyRequired, obj: mineKB, account: mine,
			other: kbIn("team-c", "other", "team-a-vectors", "team-a-docs", "", earlier), want: "team-c/other",
		},
		"Required: the same, with spec.accountId written out": {
			tenancy: TenancyRequired, obj: mineKB, account: mine,
			other: kbIn("team-c", "other", "team-a-vectors", "team-a-docs", mine, earlier), want: "team-c/other",
		},
		"Required: one created later does not take it": {
			tenancy: TenancyRequired, obj: mineKB, account: mine,
			other: kbIn("team-c", "other", "team-a-vectors", "team-a-docs", "", metav1.NewTime(later.Add(time.Minute))),
		},
		"Required: a KnowledgeBase its binding does not grant owns nothing": {
			tenancy: TenancyRequired, obj: mineKB, account: mine,
			other: kbIn("team-d", "intruder", "team-a-vectors", "team-d-docs", mine, earlier),
		},
		"Required: a KnowledgeBase that no binding selects owns nothing": {
			tenancy: TenancyRequired, obj: mineKB, account: mine,
			other: kbIn("loose", "intruder", "team-a-vectors", "team-a-docs", mine, earlier),
		},
		"Required: the same bucket name and Sid in another account is another statement": {
			tenancy: TenancyRequired, obj: mineKB, account: mine,
			other: kbIn("team-e", "other", "team-a-vectors", "team-a-docs", "", earlier),
		},
		"Required: the same, with spec.accountId written out on both": {
			tenancy: TenancyRequired, obj: kbIn("team-a", "mine", "team-a-vectors", "team-a-docs", mine, later), account: mine,
			other: kbIn("team-e", "other", "team-a-vectors", "team-a-docs", theirs, earlier),
		},
		"Optional: the same account written out on both": {
			tenancy: TenancyOptional, obj: kbIn("team-a", "mine", "team-a-vectors", "team-a-docs", mine, later), account: mine,
			other: kbIn("loose", "other", "team-a-vectors", "team-a-docs", mine, earlier), want: "loose/other",
		},
		"Optional: different accounts written out": {
			tenancy: TenancyOptional, obj: kbIn("team-a", "mine", "team-a-vectors", "team-a-docs", mine, later), account: mine,
			other: kbIn("loose", "other", "team-a-vectors", "team-a-docs", theirs, earlier),
		},
		"Optional: an account left to STS is the manager's": {
			tenancy: TenancyOptional, obj: kbIn("team-a", "mine", "team-a-vectors", "team-a-docs", testenv.AccountID, later), account: testenv.AccountID,
			other: kbIn("loose", "other", "team-a-vectors", "team-a-docs", "", earlier), want: "loose/other",
		},
		"Optional: an account left to STS is not another written out": {
			tenancy: TenancyOptional, obj: kbIn("team-a", "mine", "team-a-vectors", "team-a-docs", mine, later), account: mine,
			other: kbIn("loose", "other", "team-a-vectors", "team-a-docs", "", earlier),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := gomega.NewWithT(t)
			f := newFactory(env.AWS.Copy()) // moto's STS: the manager's own account is testenv.AccountID
			step := newPreconditionsStep(nil, f, nil, regionDefaults{f}, tc.tenancy)
			objs := append([]client.Object{tc.obj.DeepCopy(), tc.other.DeepCopy()}, world...)
			step.client = fake.NewClientBuilder().WithScheme(testenv.Scheme()).WithObjects(objs...).
				WithStatusSubresource(&kbv1.AccountBinding{}).
				WithIndex(&kbv1.KnowledgeBase{}, statementKeyIndex, step.statementKeys).Build()
			owner, err := step.statementOwner(context.Background(), tc.obj, tc.account)
			g.Expect(err).NotTo(gomega.HaveOccurred())
			g.Expect(owner).To(gomega.Equal(tc.want))
		})
	}
}
