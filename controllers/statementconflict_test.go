package controllers

import (
	"context"
	"testing"
	"time"

	"github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
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
