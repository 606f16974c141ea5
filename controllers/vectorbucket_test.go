package controllers

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/metrics"
	"github.com/kbwarden/kbwarden/test/runbook"
)

// The runbook's bucket, account and policies (seeds/000_...txt), verbatim
// but for the "// ❌ MISSING" comment, which is not JSON.
const (
	runbookBucket  = runbook.Bucket
	runbookAccount = runbook.Account

	runbookFaultyStatement  = runbook.FaultyStatement
	runbookCorrectStatement = runbook.ExpectedStatement

	// someoneElsesStatement belongs to another team; kbwarden must keep it.
	someoneElsesStatement = `{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::sidekick-kb-vectors-dev-275666109134","arn:aws:s3:::sidekick-kb-vectors-dev-275666109134/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}`
)

func policyOf(statements ...string) string {
	return `{"Version": "2012-10-17", "Statement": [` + strings.Join(statements, ",") + `]}`
}

// runbookKnowledgeBase is the KnowledgeBase of the runbook's knowledge base,
// with the option that widens aws:SourceArn to knowledge-base/* as the
// runbook's corrected policy has it.
func runbookKnowledgeBase(name, bucket string) *kbv1.KnowledgeBase {
	kb := newKnowledgeBase(name)
	kb.Spec.Region, kb.Spec.AccountID = "us-east-1", runbookAccount
	kb.Spec.VectorBucket = kbv1.VectorBucketSpec{Name: bucket,
		Policy: &kbv1.BucketPolicySpec{SourceArnScope: kbv1.SourceArnAccount}}
	kb.Spec.Documents.Bucket = "acme-corp-docs"
	return kb
}

func deleteOnCleanup(t *testing.T, kb *kbv1.KnowledgeBase) {
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), kb) })
}

// TestRunbookIncident is the runbook's incident, automated: the vector bucket
// has the seed's faulty policy (no s3:PutObject) and a statement someone else
// owns; kbwarden repairs its statement to the runbook's expected policy,
// keeps the other statement as it was, backs up the replaced policy, and
// records the repair in an event and a metric.
func TestRunbookIncident(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	ctx := context.Background()
	faulty := policyOf(runbookFaultyStatement, someoneElsesStatement)
	createBucket(t, runbookBucket, faulty)

	kb := runbookKnowledgeBase("runbook", runbookBucket)
	g.Expect(createKB(t, kb)).To(gomega.Succeed())

	eventually(g, func(g gomega.Gomega) {
		c := condition(get(g, kb), kbv1.VectorBucketPolicyInSyncCondition)
		g.Expect(c).NotTo(gomega.BeNil())
		g.Expect(c.Status).To(gomega.Equal(metav1.ConditionTrue))
		g.Expect(c.Reason).To(gomega.Equal(kbv1.DriftRepairedReason))
		g.Expect(c.Message).To(gomega.ContainSubstring("lacks s3:PutObject"))
	}).Should(gomega.Succeed())

	live := livePolicy(g, runbookBucket)
	g.Expect(equivalentPolicies(g, live, policyOf(runbookCorrectStatement, someoneElsesStatement))).To(gomega.BeTrue(), live)
	var doc struct{ Statement []json.RawMessage }
	g.Expect(json.Unmarshal([]byte(live), &doc)).To(gomega.Succeed())
	g.Expect(doc.Statement).To(gomega.ContainElement(gomega.WithTransform(
		func(r json.RawMessage) string { return string(r) }, gomega.Equal(someoneElsesStatement))),
		"the other team's statement is kept byte for byte")

	got := get(g, kb)
	g.Expect(got.Status.VectorBucket.PolicyBackupConfigMap).To(gomega.Equal("runbook-policy-backup"))
	cm := &corev1.ConfigMap{}
	g.Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: "default", Name: "runbook-policy-backup"}, cm)).To(gomega.Succeed())
	g.Expect(cm.Data["policy-1"]).To(gomega.Equal(faulty), "the replaced policy is kept verbatim")
	g.Expect(metav1.IsControlledBy(cm, got)).To(gomega.BeTrue())
	g.Expect(got.Status.VectorBucket.PolicyDrift.Count).To(gomega.Equal(int64(1)))
	g.Expect(got.Status.VectorBucket.Encryption).NotTo(gomega.BeEmpty())

	eventually(g, func(g gomega.Gomega) {
		g.Expect(eventsOf(g, kb)).To(haveEvent(kbv1.DriftRepairedReason, "BedrockKnowledgeBaseAccess lacks s3:PutObject"))
	}).Should(gomega.Succeed())
	g.Expect(repairs(g, kb, metrics.ConcernBucketPolicy)).To(gomega.Equal(1.0))
}

// TestDriftRepairedWithinInterval removes s3:PutObject out of band, as a
// person with the AWS CLI would: in Enforce it comes back within one
// interval; in Observe it is reported and left alone.
func TestDriftRepairedWithinInterval(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	ctx := context.Background()
	bucket := "kbw-drift-interval"
	createBucket(t, bucket, "")
	kb := runbookKnowledgeBase("drift-interval", bucket)
	kb.Spec.Interval = metav1.Duration{Duration: 2 * time.Second}
	g.Expect(createKB(t, kb)).To(gomega.Succeed())

	var inSync string
	eventually(g, func(g gomega.Gomega) {
		g.Expect(condition(get(g, kb), kbv1.VectorBucketPolicyInSyncCondition)).To(
			gomega.HaveField("Status", metav1.ConditionTrue))
		inSync = livePolicy(g, bucket)
		g.Expect(inSync).To(gomega.ContainSubstring("s3:PutObject"))
	}).Should(gomega.Succeed())

	withoutPut := strings.Replace(inSync, `"s3:PutObject",`, "", 1)
	g.Expect(withoutPut).NotTo(gomega.Equal(inSync))
	putPolicy(t, bucket, withoutPut)
	// The next drift check (every 2s, with jitter) repairs it; the timeout
	// leaves room for a loaded machine, where passes come late.
	g.Eventually(func() string { return livePolicy(g, bucket) }).WithTimeout(15*time.Second).WithPolling(200*time.Millisecond).
		Should(gomega.ContainSubstring("s3:PutObject"), "repaired at a following drift check (every 2s, with jitter)")

	// Observe: report, leave alone.
	g.Expect(updateKB(ctx, kb, func(kb *kbv1.KnowledgeBase) { kb.Spec.DriftPolicy = kbv1.DriftObserve })).To(gomega.Succeed())
	eventually(g, func(g gomega.Gomega) {
		got := get(g, kb)
		g.Expect(got.Status.ObservedGeneration).To(gomega.Equal(got.Generation))
	}).Should(gomega.Succeed())
	putPolicy(t, bucket, withoutPut)
	eventually(g, func(g gomega.Gomega) {
		c := condition(get(g, kb), kbv1.VectorBucketPolicyInSyncCondition)
		g.Expect(c.Status).To(gomega.Equal(metav1.ConditionFalse))
		g.Expect(c.Reason).To(gomega.Equal(kbv1.DriftedReason))
		g.Expect(c.Message).To(gomega.ContainSubstring("statement BedrockKnowledgeBaseAccess lacks s3:PutObject"))
		g.Expect(condition(get(g, kb), kbv1.ReadyCondition).Reason).To(gomega.Equal(kbv1.DriftedReason))
	}).Should(gomega.Succeed())
	g.Consistently(func() string { return livePolicy(g, bucket) }).WithTimeout(5*time.Second).
		Should(gomega.Equal(withoutPut), "Observe never writes")
	eventually(g, func(g gomega.Gomega) {
		g.Expect(eventsOf(g, kb)).To(haveEvent(kbv1.DriftedReason, "not repaired"))
	}).Should(gomega.Succeed())
}
