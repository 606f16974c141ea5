package tenancy

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/testenv"
)

// TestUngrantedKnowledgeBaseOwnsNoStatement: a KnowledgeBase of team-b
// names team-a's vector bucket, with the default Sid and team-a's account
// in its spec, before team-a's own KnowledgeBase exists. It is NotGranted,
// and it neither blocks team-a's KnowledgeBase with StatementConflict nor
// takes the statement: team-a's is written and in sync. (Its namespace,
// a-team-b, sorts before team-a, so it would be the first owner even if
// both were created in the same second.)
func TestUngrantedKnowledgeBaseOwnsNoStatement(t *testing.T) {
	g := gomega.NewWithT(t)
	ctx := context.Background()
	createBuckets(t, "team-a-shared-vectors")

	intruder := knowledgeBase("a-team-b", "squatter", "KBTEAMB002", "team-a-shared-vectors", "team-b-docs")
	intruder.Spec.AccountID = testenv.AccountID
	g.Expect(env.Client.Create(ctx, intruder)).To(gomega.Succeed())
	expectStalled(g, intruder, kbv1.NotGrantedReason)

	owner := knowledgeBase("team-a", "shared", "KBTEAMA002", "team-a-shared-vectors", "team-a-docs")
	seed(t, owner)
	g.Expect(env.Client.Create(ctx, owner)).To(gomega.Succeed())
	eventually(g, func(g gomega.Gomega) {
		c := conditionOf(g, owner, kbv1.VectorBucketPolicyInSyncCondition)
		g.Expect(c).NotTo(gomega.BeNil())
		g.Expect(c.Status).To(gomega.Equal(metav1.ConditionTrue), "%s: %s", c.Reason, c.Message)
	}).Should(gomega.Succeed())
	out, err := admin.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("team-a-shared-vectors")})
	g.Expect(err).NotTo(gomega.HaveOccurred())
	g.Expect(aws.ToString(out.Policy)).To(gomega.And(
		gomega.ContainSubstring(kbv1.DefaultStatementID),
		gomega.ContainSubstring("knowledge-base/KBTEAMA002"),
		gomega.Not(gomega.ContainSubstring("KBTEAMB002"))))
	g.Expect(conditionOf(g, intruder, kbv1.StalledCondition)).To(gomega.HaveField("Reason", kbv1.NotGrantedReason))
}

// TestDeletingARefusedKnowledgeBase: a KnowledgeBase with deletionPolicy
// Delete that kbwarden refused, NotGranted (team-b naming team-a's bucket)
// or NoAccountBinding (a namespace no binding selects), goes away when
// deleted, and kbwarden makes no AWS request for it: nothing reaches the
// bucket, no role is assumed, and the bucket's policy statement with
// kbwarden's Sid and its ACL sidecar, which look like kbwarden's, are as
// they were.
func TestDeletingARefusedKnowledgeBase(t *testing.T) {
	g := gomega.NewWithT(t)
	ctx := context.Background()
	bucket := "team-a-keep"
	createBuckets(t, bucket)
	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"` + kbv1.DefaultStatementID + `","Effect":"Allow",` +
		`"Principal":{"Service":"bedrock.amazonaws.com"},"Action":["s3:GetObject","s3:ListBucket"],` +
		`"Resource":["arn:aws:s3:::team-a-keep","arn:aws:s3:::team-a-keep/*"]}]}`
	_, err := admin.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(policy)})
	g.Expect(err).NotTo(gomega.HaveOccurred())
	for key, body := range map[string]string{
		"docs/a.pdf":               "%PDF",
		"docs/a.pdf.metadata.json": `{"AccessControlList":[{"Name":"team-a","Type":"GROUP","Access":"ALLOW"}]}`,
	} {
		_, err := admin.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)})
		g.Expect(err).NotTo(gomega.HaveOccurred())
	}
	policyBefore, objectsBefore := bucketState(g, bucket)

	refused := map[string]*kbv1.KnowledgeBase{
		kbv1.NotGrantedReason:       knowledgeBase("team-b", "refused", "KBTEAMB003", bucket, bucket),
		kbv1.NoAccountBindingReason: knowledgeBase("team-d", "refused", "KBTEAMD001", bucket, bucket),
	}
	for reason, kb := range refused {
		kb.Spec.DeletionPolicy = kbv1.DeletionDelete
		kb.Spec.AccessControl = &kbv1.AccessControlSpec{Mode: kbv1.AccessControlPerDocument,
			Rules: []kbv1.ACLRule{{Prefix: "docs/", Allow: []kbv1.ACLEntry{{Group: "team-b"}}}}}
		g.Expect(env.Client.Create(ctx, kb)).To(gomega.Succeed())
		expectStalled(g, kb, reason)
	}
	assumed, identity := calls.Count("AssumeRole", ""), calls.Count("GetCallerIdentity", "")

	for _, kb := range refused {
		g.Expect(env.Client.Delete(ctx, kb)).To(gomega.Succeed())
	}
	for reason, kb := range refused {
		eventually(g, func(g gomega.Gomega) {
			err := env.Client.Get(ctx, client.ObjectKeyFromObject(kb), &kbv1.KnowledgeBase{})
			g.Expect(apierrors.IsNotFound(err)).To(gomega.BeTrue(), "%s: still there (%v): %s", reason, err, kbStatus(kb))
		}).Should(gomega.Succeed())
	}
	g.Expect(calls.ForBucket(bucket)).To(gomega.BeEmpty(), "no request for a bucket kbwarden refused, deletion included")
	g.Expect(calls.Count("AssumeRole", "")).To(gomega.Equal(assumed), "no session for a refused KnowledgeBase")
	g.Expect(calls.Count("GetCallerIdentity", "")).To(gomega.Equal(identity))
	policyAfter, objectsAfter := bucketState(g, bucket)
	g.Expect(policyAfter).To(gomega.Equal(policyBefore), "the statement with kbwarden's Sid is not kbwarden's to remove")
	g.Expect(objectsAfter).To(gomega.Equal(objectsBefore), "no object removed or rewritten")
}

// bucketState reads a bucket's policy and its objects' keys and ETags, as
// the platform team would.
func bucketState(g gomega.Gomega, bucket string) (string, map[string]string) {
	ctx := context.Background()
	out, err := admin.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket)})
	g.Expect(err).NotTo(gomega.HaveOccurred())
	list, err := admin.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	g.Expect(err).NotTo(gomega.HaveOccurred())
	objects := map[string]string{}
	for _, o := range list.Contents {
		objects[aws.ToString(o.Key)] = aws.ToString(o.ETag)
	}
	return aws.ToString(out.Policy), objects
}

// TestDeletedKnowledgeBaseDropsItsSession: a KnowledgeBase acts through an
// assumed-role session of its own; when it is deleted, the session and its
// credentials are dropped at once, not kept until they idle out.
func TestDeletedKnowledgeBaseDropsItsSession(t *testing.T) {
	g := gomega.NewWithT(t)
	ctx := context.Background()
	createBuckets(t, "team-a-brief-vectors", "team-a-brief-docs")
	kb := knowledgeBase("team-a", "brief", "KBTEAMA009", "team-a-brief-vectors", "team-a-brief-docs")
	seed(t, kb)
	g.Expect(env.Client.Create(ctx, kb)).To(gomega.Succeed())
	expectReady(g, kb, "team-a")
	g.Expect(mgrFactory.SessionsOf(kb.Namespace, kb.Name)).To(gomega.BeNumerically(">=", 1), "sessions of its own")

	g.Expect(env.Client.Delete(ctx, kb)).To(gomega.Succeed())
	eventually(g, func(g gomega.Gomega) {
		err := env.Client.Get(ctx, client.ObjectKeyFromObject(kb), &kbv1.KnowledgeBase{})
		g.Expect(apierrors.IsNotFound(err)).To(gomega.BeTrue(), "still there: %v", err)
	}).Should(gomega.Succeed())
	g.Expect(mgrFactory.SessionsOf(kb.Namespace, kb.Name)).To(gomega.BeZero(), "its sessions went with it")
}
