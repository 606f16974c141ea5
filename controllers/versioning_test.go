package controllers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
)

// TestDocumentsVersioningRepairIsNotAPolicyRepair: a job fails on an
// access error that kbwarden's statement does not cause (another team's
// Deny in the vector bucket policy). Then someone suspends versioning of
// the documents bucket and kbwarden repairs it. That repair is recorded as
// a versioning repair only: the policy's repair time stays unset, and no
// Repair job starts, since nothing that caused the failure was repaired.
func TestDocumentsVersioningRepairIsNotAPolicyRepair(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	ctx := context.Background()
	k := ingestionKB{idFor("K", "ver-docs"), idFor("D", "ver-docs"), "kbw-ver-docs-vectors", "kbw-ver-docs-docs"}
	deny := strings.ReplaceAll(`{"Sid":"SecurityTeamDenyWrites","Effect":"Deny","Principal":{"Service":"bedrock.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::BUCKET/*"}`, "BUCKET", k.vectors)
	setupIngestionKB(t, k, policyOf(seedCorrectStatement(k.vectors), deny), 2)
	kb := ingestionKnowledgeBase("ver-docs", k)
	kb.Spec.Interval = metav1.Duration{Duration: time.Second}
	kb.Spec.Documents.Versioning = kbv1.VersioningEnabled
	g.Expect(createKB(t, kb)).To(gomega.Succeed())

	eventually(g, func(g gomega.Gomega) {
		c := condition(get(g, kb), kbv1.IngestionSucceededCondition)
		g.Expect(c).To(gomega.HaveField("Reason", kbv1.AccessDeniedReason))
		g.Expect(c.Message).To(gomega.ContainSubstring("so the denial comes from elsewhere"))
	}).Should(gomega.Succeed())
	g.Expect(emuJobs(g, k)).To(gomega.HaveLen(1))

	_, err := admin.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: &k.docs,
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusSuspended}})
	g.Expect(err).NotTo(gomega.HaveOccurred())
	eventually(g, func(g gomega.Gomega) {
		got := get(g, kb)
		g.Expect(got.Status.Versioning.Drift).NotTo(gomega.BeNil())
		g.Expect(got.Status.Versioning.Drift.Count).To(gomega.Equal(int64(2)), "the first pass's repair and this one")
		g.Expect(got.Status.Versioning.Drift.Last).To(gomega.ContainSubstring("documents bucket " + k.docs + " versioning is Suspended, want Enabled"))
	}).Should(gomega.Succeed())

	g.Consistently(func(g gomega.Gomega) {
		got := get(g, kb)
		g.Expect(got.Status.VectorBucket.PolicyDrift).To(gomega.BeNil(), "the policy was never repaired")
		g.Expect(emuJobs(g, k)).To(gomega.HaveLen(1), "no Repair job")
		g.Expect(condition(got, kbv1.IngestionSucceededCondition).Message).To(gomega.ContainSubstring("so the denial comes from elsewhere"))
	}).WithTimeout(3 * time.Second).WithPolling(200 * time.Millisecond).Should(gomega.Succeed())
	g.Expect(startedJobs(g, kb, "Repair")).To(gomega.BeZero())
}
