package controllers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/test/bedrockemu"
)

// The tests of this file are the issue "kbwarden changes and deletes only
// what it wrote", through the manager: each fails on a kbwarden that takes
// over, deletes or credits what it did not write.

// securityDeny is a security team's Deny that happens to carry kbwarden's
// default Sid.
func securityDeny(bucket string) string {
	return `{"Version":"2012-10-17","Statement":[{"Sid":"BedrockKnowledgeBaseAccess","Effect":"Deny","Principal":"*",` +
		`"Action":"s3:DeleteObject","Resource":"arn:aws:s3:::` + bucket + `/*"}]}`
}

// waitGone waits until kb is deleted through its finalizer.
func waitGone(g gomega.Gomega, kb *kbv1.KnowledgeBase) {
	eventually(g, func() bool {
		return apierrors.IsNotFound(env.Client.Get(context.Background(), client.ObjectKeyFromObject(kb), &kbv1.KnowledgeBase{}))
	}).Should(gomega.BeTrue())
}

// TestStatementWithOurSidIsNotTakenOver: a Deny with kbwarden's Sid stalls
// the KnowledgeBase with StatementNotOwned, is never replaced, and survives
// the KnowledgeBase's deletion with deletionPolicy Delete (which, before,
// deleted the whole bucket policy).
func TestStatementWithOurSidIsNotTakenOver(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	ctx := context.Background()
	bucket := "kbw-own-deny-vectors"
	deny := securityDeny(bucket)
	createBucket(t, bucket, deny)
	kb := runbookKnowledgeBase("own-deny", bucket)
	kb.Spec.DeletionPolicy = kbv1.DeletionDelete
	g.Expect(createKB(t, kb)).To(gomega.Succeed())

	eventually(g, func(g gomega.Gomega) {
		got := get(g, kb)
		c := condition(got, kbv1.StalledCondition)
		g.Expect(c).NotTo(gomega.BeNil())
		g.Expect(c.Reason).To(gomega.Equal(kbv1.StatementNotOwnedReason))
		g.Expect(c.Message).To(gomega.ContainSubstring("effect is Deny, not Allow"))
		g.Expect(condition(got, kbv1.VectorBucketPolicyInSyncCondition)).To(gomega.HaveField("Reason", kbv1.StatementNotOwnedReason))
	}).Should(gomega.Succeed())
	g.Expect(equivalentPolicies(g, livePolicy(g, bucket), deny)).To(gomega.BeTrue(), "the Deny is left as it was")

	g.Expect(env.Client.Delete(ctx, kb)).To(gomega.Succeed())
	waitGone(g, kb)
	g.Expect(equivalentPolicies(g, livePolicy(g, bucket), deny)).To(gomega.BeTrue(), "deletion removes nothing kbwarden did not write")
}

// TestChangedStatementIsLeftOnDelete: kbwarden records the statement it
// wrote; someone changes it (an extra action), and on deletion kbwarden
// leaves it, since it may hold their grant now, and says so in an event.
func TestChangedStatementIsLeftOnDelete(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	ctx := context.Background()
	bucket := "kbw-own-changed-vectors"
	createBucket(t, bucket, "")
	kb := runbookKnowledgeBase("own-changed", bucket)
	kb.Spec.DeletionPolicy = kbv1.DeletionDelete
	kb.Spec.Interval = metav1.Duration{Duration: time.Hour} // no repair of the change below
	g.Expect(createKB(t, kb)).To(gomega.Succeed())
	eventually(g, func(g gomega.Gomega) {
		got := get(g, kb)
		g.Expect(condition(got, kbv1.VectorBucketPolicyInSyncCondition)).To(gomega.HaveField("Status", metav1.ConditionTrue))
		g.Expect(got.Status.VectorBucket.StatementHash).NotTo(gomega.BeEmpty(), "what kbwarden wrote is recorded")
	}).Should(gomega.Succeed())

	edited := strings.Replace(livePolicy(g, bucket), `"s3:ListBucket"`, `"s3:ListBucket","s3:GetBucketLocation"`, 1)
	g.Expect(edited).To(gomega.ContainSubstring("s3:GetBucketLocation"))
	putPolicy(t, bucket, edited)

	g.Expect(env.Client.Delete(ctx, kb)).To(gomega.Succeed())
	waitGone(g, kb)
	g.Expect(livePolicy(g, bucket)).To(gomega.ContainSubstring("s3:GetBucketLocation"), "the changed statement stays")
	g.Expect(eventsOf(g, kb)).To(haveEvent(kbv1.StatementNotOwnedReason, "it changed since kbwarden wrote it"))
}

// TestUnchangedStatementIsRemovedOnDelete: the statement kbwarden wrote
// and nobody changed goes on deletion, and with it the policy it alone
// made up.
func TestUnchangedStatementIsRemovedOnDelete(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	ctx := context.Background()
	bucket := "kbw-own-unchanged-vectors"
	createBucket(t, bucket, "")
	kb := runbookKnowledgeBase("own-unchanged", bucket)
	kb.Spec.DeletionPolicy = kbv1.DeletionDelete
	g.Expect(createKB(t, kb)).To(gomega.Succeed())
	eventually(g, func(g gomega.Gomega) {
		g.Expect(get(g, kb).Status.VectorBucket).To(gomega.HaveField("StatementHash", gomega.Not(gomega.BeEmpty())))
	}).Should(gomega.Succeed())
	g.Expect(env.Client.Delete(ctx, kb)).To(gomega.Succeed())
	waitGone(g, kb)
	g.Expect(livePolicy(g, bucket)).To(gomega.BeEmpty())
}

// TestOverlappingACLFiles: two KnowledgeBases whose sidecars overlap (the
// second's prefix lies under the first's). The older keeps the files and
// its rules stay in force; the newer stalls with ACLConflict, writes
// nothing and starts no job. Once the older is gone, the newer takes over.
// (Creation times have one-second precision; a tie goes to the name that
// sorts first, hence the names.)
func TestOverlappingACLFiles(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	ctx := context.Background()
	bucket := "kbw-overlap-docs"
	createBucket(t, bucket, "")
	putObject(t, bucket, "docs/hr/a.txt", "a")
	older := aclKnowledgeBase(t, "overlap-1st", bucket, &kbv1.AccessControlSpec{Mode: kbv1.AccessControlPerDocument,
		Rules: []kbv1.ACLRule{{Prefix: "docs/", Allow: []kbv1.ACLEntry{group("staff")}}}})
	g.Expect(createKB(t, older)).To(gomega.Succeed())
	aclInSync(g, older)

	newer := aclKnowledgeBase(t, "overlap-2nd", bucket, &kbv1.AccessControlSpec{Mode: kbv1.AccessControlPerDocument,
		Rules: []kbv1.ACLRule{{Prefix: "docs/hr/", Allow: []kbv1.ACLEntry{group("hr")}}}})
	newer.Spec.VectorBucket.Name = bucket + "-vectors2"
	createBucket(t, newer.Spec.VectorBucket.Name, "")
	newer.Spec.Documents.Prefix = "docs/hr/"
	jobsBefore, err := emu.Jobs(ctx, newer.Spec.Bedrock.KnowledgeBaseID, newer.Spec.Bedrock.DataSourceID)
	if err != nil {
		jobsBefore = nil // not seeded yet
	}
	g.Expect(createKB(t, newer)).To(gomega.Succeed())
	eventually(g, func(g gomega.Gomega) {
		got := get(g, newer)
		c := condition(got, kbv1.AccessControlInSyncCondition)
		g.Expect(c).To(gomega.HaveField("Reason", kbv1.ACLConflictReason))
		g.Expect(c.Message).To(gomega.ContainSubstring("default/overlap-1st"))
		g.Expect(condition(got, kbv1.IngestionSucceededCondition)).To(gomega.HaveField("Reason", kbv1.ACLConflictReason))
		g.Expect(condition(got, kbv1.StalledCondition)).To(gomega.HaveField("Reason", kbv1.ACLConflictReason))
	}).Should(gomega.Succeed())
	got, _ := sidecarACL(g, bucket, "docs/hr/a.txt.metadata.json")
	g.Expect(got).To(gomega.ConsistOf(allowGroup("staff")), "the older KnowledgeBase's rules stay in force")
	g.Expect(emu.Jobs(ctx, newer.Spec.Bedrock.KnowledgeBaseID, newer.Spec.Bedrock.DataSourceID)).To(gomega.HaveLen(len(jobsBefore)), "the newer starts no job")
	g.Expect(condition(get(g, older), kbv1.AccessControlInSyncCondition)).To(gomega.HaveField("Status", metav1.ConditionTrue))

	g.Expect(env.Client.Delete(ctx, older)).To(gomega.Succeed())
	waitGone(g, older)
	eventually(g, func(g gomega.Gomega) {
		got, _ := sidecarACL(g, bucket, "docs/hr/a.txt.metadata.json")
		g.Expect(got).To(gomega.ConsistOf(allowGroup("hr")))
	}).Should(gomega.Succeed())
}

// TestBackupsSurviveAFailingRepair: while the repair's PutBucketPolicy
// keeps failing, each retry would back up the same broken policy; the
// backups rotate only for a policy that differs from the newest one, so
// the older policies are all still there.
func TestBackupsSurviveAFailingRepair(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	ctx := context.Background()
	bucket := "kbw-backup-failing-vectors"
	first := policyOf(seedFaultyStatement(bucket))
	createBucket(t, bucket, first)
	kb := runbookKnowledgeBase("backup-failing", bucket)
	kb.Spec.Interval = metav1.Duration{Duration: time.Second}
	g.Expect(createKB(t, kb)).To(gomega.Succeed())
	cm := &corev1.ConfigMap{}
	key := client.ObjectKey{Namespace: kb.Namespace, Name: policyBackupName(kb)}
	eventually(g, func(g gomega.Gomega) {
		g.Expect(condition(get(g, kb), kbv1.VectorBucketPolicyInSyncCondition)).To(gomega.HaveField("Status", metav1.ConditionTrue))
		g.Expect(env.Client.Get(ctx, key, cm)).To(gomega.Succeed())
		g.Expect(cm.Data).To(gomega.HaveLen(1))
	}).Should(gomega.Succeed())

	// Another incident, and now every repair fails.
	t.Cleanup(func() { faults.Remove(bucket, "policy") })
	faults.InjectMethod(bucket, "policy", "PUT", faultOf(500, "InternalError"))
	audit := `{"Sid":"ReadOnlyAudit","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::275666109134:root"},"Action":"s3:GetBucketPolicy","Resource":"arn:aws:s3:::` + bucket + `"}`
	second := policyOf(seedFaultyStatement(bucket), audit)
	putPolicy(t, bucket, second)
	eventually(g, func(g gomega.Gomega) {
		g.Expect(condition(get(g, kb), kbv1.VectorBucketPolicyInSyncCondition)).To(gomega.HaveField("Reason", kbv1.AWSErrorReason))
	}).Should(gomega.Succeed())
	// Several intervals of failing retries.
	g.Consistently(func(g gomega.Gomega) {
		g.Expect(env.Client.Get(ctx, key, cm)).To(gomega.Succeed())
		g.Expect(cm.Data).To(gomega.HaveLen(2), "the policy of the second incident is backed up once")
	}).WithTimeout(6 * time.Second).WithPolling(500 * time.Millisecond).Should(gomega.Succeed())
	g.Expect(equivalentPolicies(g, cm.Data[policyBackupKey(1)], second)).To(gomega.BeTrue())
	g.Expect(equivalentPolicies(g, cm.Data[policyBackupKey(2)], first)).To(gomega.BeTrue(), "the first incident's policy is still kept")
}

// TestMissingBucketIsLookedAtAgain: a documents bucket that does not
// exist stalls with BucketNotFound; once someone creates it, kbwarden
// notices within an interval, with no change to the spec.
func TestMissingBucketIsLookedAtAgain(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	bucket := "kbw-created-later-docs"
	kb := aclKnowledgeBase(t, "created-later", bucket, &kbv1.AccessControlSpec{Mode: kbv1.AccessControlPerDocument,
		Rules: []kbv1.ACLRule{{Prefix: "docs/", Allow: []kbv1.ACLEntry{group("staff")}}}})
	g.Expect(createKB(t, kb)).To(gomega.Succeed())
	eventually(g, func(g gomega.Gomega) {
		g.Expect(condition(get(g, kb), kbv1.AccessControlInSyncCondition)).To(gomega.HaveField("Reason", kbv1.BucketNotFoundReason))
	}).Should(gomega.Succeed())
	generation := get(g, kb).Generation
	createBucket(t, bucket, "")
	putObject(t, bucket, "docs/a.txt", "a")
	got := aclInSync(g, kb)
	g.Expect(got.Generation).To(gomega.Equal(generation))
	g.Expect(got.Status.AccessControl.Written).To(gomega.Equal(int64(1)))
}

// TestExternalJobBeforeTheWriteIsNotCredited: an ingestion job someone
// else started before kbwarden wrote a rule change read the old ACL files.
// It must not be credited with the new ones, even when an unparseable
// sidecar keeps lastSyncTime from moving: once it ends, kbwarden starts a
// Changed job, which then ingests the new ACL.
func TestExternalJobBeforeTheWriteIsNotCredited(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	ctx := context.Background()
	k := ingestionKB{"KBCREDIT01", "DSCREDIT01", "kbw-credit-vectors", "kbw-credit-docs"}
	g.Expect(emu.AddKnowledgeBase(bedrockemu.KnowledgeBase{ID: k.kbID, VectorStore: bedrockemu.VectorStore{Bucket: k.vectors},
		DataSources: []bedrockemu.DataSource{{ID: k.dsID, Bucket: k.docs, Prefix: "docs/", AccessControl: true}}})).To(gomega.Succeed())
	setupIngestionKB(t, k, "", 2)
	createCorrect(t, k)
	kb := ingestionKnowledgeBase("credit", k)
	kb.Spec.Interval = metav1.Duration{Duration: time.Second}
	kb.Spec.Ingestion = &kbv1.IngestionSpec{Interval: metav1.Duration{Duration: time.Hour}}
	kb.Spec.AccessControl = &kbv1.AccessControlSpec{Mode: kbv1.AccessControlPerDocument,
		Rules: []kbv1.ACLRule{{Prefix: "docs/", Allow: []kbv1.ACLEntry{group("staff"), group("contractors")}}}}
	firstJobDone(t, g, kb, k)
	aclInSync(g, kb)

	// Someone's broken sidecar: lastSyncTime no longer moves.
	putObject(t, k.docs, "docs/doc-001.txt.metadata.json", "not json")
	eventually(g, func(g gomega.Gomega) {
		g.Expect(condition(get(g, kb), kbv1.AccessControlInSyncCondition)).To(gomega.HaveField("Reason", kbv1.ACLFilesRejectedReason))
	}).Should(gomega.Succeed())

	// The daily sync starts, then the rule change revokes contractors.
	hashBefore := get(g, kb).Status.AccessControl.ACLHash
	ext, release := startHeldExternalJob(g, k, "daily sync")
	defer release()
	time.Sleep(clockSkewMargin) // the write lands well after the job started, by any clock
	g.Expect(updateKB(ctx, kb, func(kb *kbv1.KnowledgeBase) {
		kb.Spec.AccessControl.Rules[0].Allow = []kbv1.ACLEntry{group("staff")}
	})).To(gomega.Succeed())
	var hash string
	eventually(g, func(g gomega.Gomega) {
		got := get(g, kb)
		g.Expect(got.Status.AccessControl.ACLHash).NotTo(gomega.Equal(hashBefore), "the new ACL is written")
		g.Expect(lastJob(got).ID).To(gomega.Equal(ext.ID), "kbwarden found the running job")
		g.Expect(lastJob(got).ACLHash).NotTo(gomega.Equal(got.Status.AccessControl.ACLHash), "not credited with the new ACL")
		hash = got.Status.AccessControl.ACLHash
	}).Should(gomega.Succeed())
	release()
	eventually(g, func(g gomega.Gomega) {
		got := get(g, kb)
		j := lastJob(got)
		g.Expect(j.Trigger).To(gomega.Equal("Changed"))
		g.Expect(j.ACLHash).To(gomega.Equal(hash))
		g.Expect(j.Status).To(gomega.Equal(bedrockemu.StatusComplete))
	}).Should(gomega.Succeed())
}

// TestNewDataSourceStartsOver: when spec.dataSourceId names another data
// source, the old one's jobs are forgotten: the new data source gets its
// first job now, not one ingestion.interval after the old one's last job.
func TestNewDataSourceStartsOver(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	ctx := context.Background()
	k := ingestionKB{"KBNEWDS001", "DSNEWDS001", "kbw-newds-vectors", "kbw-newds-docs"}
	g.Expect(emu.AddKnowledgeBase(bedrockemu.KnowledgeBase{ID: k.kbID, VectorStore: bedrockemu.VectorStore{Bucket: k.vectors},
		DataSources: []bedrockemu.DataSource{{ID: k.dsID, Bucket: k.docs, Prefix: "docs/"}, {ID: "DSNEWDS002", Bucket: k.docs, Prefix: "docs/"}}})).To(gomega.Succeed())
	setupIngestionKB(t, k, "", 1)
	createCorrect(t, k)
	kb := ingestionKnowledgeBase("new-datasource", k)
	kb.Spec.Interval = metav1.Duration{Duration: time.Second}
	kb.Spec.Ingestion = &kbv1.IngestionSpec{Interval: metav1.Duration{Duration: time.Hour}}
	firstJobDone(t, g, kb, k)
	old := lastJob(get(g, kb)).ID

	g.Expect(updateKB(ctx, kb, func(kb *kbv1.KnowledgeBase) { kb.Spec.Bedrock.DataSourceID = "DSNEWDS002" })).To(gomega.Succeed())
	eventually(g, func(g gomega.Gomega) {
		got := get(g, kb)
		g.Expect(got.Status.Ingestion.DataSource).To(gomega.Equal(k.kbID + "/DSNEWDS002"))
		j := lastJob(got)
		g.Expect(j.ID).NotTo(gomega.Equal(old))
		g.Expect(j.Status).To(gomega.Equal(bedrockemu.StatusComplete))
		g.Expect(got.Status.Ingestion.LastSuccessfulJob.ID).To(gomega.Equal(j.ID))
	}).Should(gomega.Succeed())
	jobs, err := emu.Jobs(ctx, k.kbID, "DSNEWDS002")
	g.Expect(err).NotTo(gomega.HaveOccurred())
	g.Expect(jobs).To(gomega.HaveLen(1))
}
