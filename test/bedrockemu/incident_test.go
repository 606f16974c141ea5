package bedrockemu

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	bt "github.com/aws/aws-sdk-go-v2/service/bedrockagent/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3vectors"
	vtypes "github.com/aws/aws-sdk-go-v2/service/s3vectors/types"
	. "github.com/onsi/gomega"
)

// TestRunbookIncident replays INC-2025-KB-001: a deployment drops
// s3:PutObject from the vector bucket policy, the sync fails with
// AccessDenied and nothing is written; the runbook's corrected policy makes
// the next sync COMPLETE and the embeddings appear.
func TestRunbookIncident(t *testing.T) {
	g := NewWithT(t)
	e := newEnv(t)
	for _, doc := range []string{"docs/handbook.pdf", "docs/faq.txt"} {
		e.put(e.docs, doc, "content of "+doc)
	}
	e.putPolicy(e.vec, faultyPolicy(e.vec))

	j := e.sync()
	g.Expect(j.Status).To(Equal(bt.IngestionJobStatusFailed))
	g.Expect(j.FailureReasons).To(HaveLen(1))
	g.Expect(j.FailureReasons[0]).To(HavePrefix(fmt.Sprintf(
		"AccessDenied: bedrock.amazonaws.com is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::%s/embeddings/%s/", e.vec, kbID)))
	g.Expect(j.FailureReasons[0]).To(HaveSuffix("because no resource-based policy allows the s3:PutObject action"))
	g.Expect(statsOf(j)).To(Equal(stats{scanned: 2, failed: 2}))
	g.Expect(e.keys(e.vec, "embeddings/")).To(BeEmpty())

	e.putPolicy(e.vec, correctedPolicy(e.vec)) // the runbook's fix
	j = e.sync()
	g.Expect(j.Status).To(Equal(bt.IngestionJobStatusComplete))
	g.Expect(j.FailureReasons).To(BeEmpty())
	g.Expect(statsOf(j)).To(Equal(stats{scanned: 2, added: 2}), "a FAILED job leaves no baseline: both are new")
	g.Expect(e.keys(e.vec, "embeddings/")).To(ConsistOf(
		EmbeddingKey(kbID, dsID, "docs/handbook.pdf"), EmbeddingKey(kbID, dsID, "docs/faq.txt")))
}

// TestVectorBucketPolicies: what the live policy must say for Bedrock to
// write, beyond the runbook's two policies.
func TestVectorBucketPolicies(t *testing.T) {
	explicitDeny := func(b string) string {
		return strings.Replace(correctedPolicy(b), `"Statement": [`, `"Statement": [{"Sid": "NoWrites", "Effect": "Deny", "Principal": "*", "Action": "s3:Put*", "Resource": "arn:aws:s3:::`+b+`/embeddings/*"},`, 1)
	}
	cases := []struct {
		name   string
		policy func(bucket string) string // "" policy: none at all
		reason string                     // "" when the job must COMPLETE
	}{
		{"runbook's corrected policy", correctedPolicy, ""},
		{"wildcard actions", func(b string) string { return policyFor(b, "s3:*") }, ""},
		{"no policy", func(string) string { return "" }, "because no resource-based policy allows the s3:PutObject action"},
		{"runbook's faulty policy", faultyPolicy, "because no resource-based policy allows the s3:PutObject action"},
		{"explicit deny wins", explicitDeny, "with an explicit deny in a resource-based policy"},
		{"other account", func(b string) string {
			return strings.Replace(correctedPolicy(b), `"aws:SourceAccount": "`+acct+`"`, `"aws:SourceAccount": "999999999999"`, 1)
		}, "no resource-based policy allows"},
		{"other knowledge base", func(b string) string {
			return strings.Replace(correctedPolicy(b), "knowledge-base/*", "knowledge-base/KBOTHER001", 1)
		}, "no resource-based policy allows"},
		{"role principal instead of the service", func(b string) string {
			return strings.Replace(correctedPolicy(b), `{"Service": "bedrock.amazonaws.com"}`, `{"AWS": "arn:aws:iam::`+acct+`:role/BedrockRole"}`, 1)
		}, "no resource-based policy allows"},
		{"bucket ARN only", func(b string) string {
			return strings.Replace(correctedPolicy(b), `, "arn:aws:s3:::`+b+`/*"`, "", 1)
		}, "no resource-based policy allows"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			e := newEnv(t)
			e.put(e.docs, "docs/a.txt", "alpha")
			if _, err := e.s3.DeleteBucketPolicy(e.ctx(), &s3.DeleteBucketPolicyInput{Bucket: aws.String(e.vec)}); err != nil {
				t.Fatal(err)
			}
			if p := c.policy(e.vec); p != "" {
				e.putPolicy(e.vec, p)
			}
			j := e.sync()
			if c.reason == "" {
				g.Expect(j.Status).To(Equal(bt.IngestionJobStatusComplete), "reasons: %v", j.FailureReasons)
				return
			}
			g.Expect(j.Status).To(Equal(bt.IngestionJobStatusFailed))
			g.Expect(j.FailureReasons).To(ConsistOf(ContainSubstring(c.reason)))
		})
	}
}

// TestS3VectorsStore: with an S3 Vectors store the emulator checks
// s3vectors:PutVectors on the index ARN in the vector bucket policy, and
// puts real vectors into moto's index.
func TestS3VectorsStore(t *testing.T) {
	g := NewWithT(t)
	bucket := "kbvec-" + randomSuffix()
	e := newEnv(t, func(c *Config) {
		c.KnowledgeBases[0].VectorStore = VectorStore{Type: StorageS3Vectors, Bucket: bucket, Index: "docs"}
	})
	ctx := e.ctx()
	_, err := e.vectors.CreateVectorBucket(ctx, &s3vectors.CreateVectorBucketInput{VectorBucketName: aws.String(bucket)})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = e.vectors.CreateIndex(ctx, &s3vectors.CreateIndexInput{VectorBucketName: aws.String(bucket), IndexName: aws.String("docs"),
		DataType: vtypes.DataTypeFloat32, Dimension: aws.Int32(4), DistanceMetric: vtypes.DistanceMetricCosine})
	g.Expect(err).NotTo(HaveOccurred())
	policy := func(actions string) string {
		return fmt.Sprintf(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "bedrock.amazonaws.com"},
			"Action": [%s], "Resource": "arn:aws:s3vectors:%s:%s:bucket/%s/index/*",
			"Condition": {"StringEquals": {"aws:SourceAccount": "%s"}, "ArnLike": {"aws:SourceArn": "arn:aws:bedrock:%s:%s:knowledge-base/%s"}}}]}`,
			actions, region, acct, bucket, acct, region, acct, kbID)
	}
	putPolicy := func(p string) {
		_, err := e.vectors.PutVectorBucketPolicy(ctx, &s3vectors.PutVectorBucketPolicyInput{VectorBucketName: aws.String(bucket), Policy: aws.String(p)})
		g.Expect(err).NotTo(HaveOccurred())
	}
	e.put(e.docs, "docs/a.txt", "alpha")
	e.put(e.docs, "docs/b.txt", "beta")

	putPolicy(policy(`"s3vectors:GetVectors", "s3vectors:QueryVectors"`))
	j := e.sync()
	g.Expect(j.Status).To(Equal(bt.IngestionJobStatusFailed))
	g.Expect(j.FailureReasons).To(ConsistOf(fmt.Sprintf(
		"AccessDeniedException: bedrock.amazonaws.com is not authorized to perform: s3vectors:PutVectors on resource: arn:aws:s3vectors:%s:%s:bucket/%s/index/docs because no resource-based policy allows the s3vectors:PutVectors action",
		region, acct, bucket)))

	putPolicy(policy(`"s3vectors:PutVectors", "s3vectors:GetVectors", "s3vectors:DeleteVectors"`))
	j = e.sync()
	g.Expect(j.Status).To(Equal(bt.IngestionJobStatusComplete), "reasons: %v", j.FailureReasons)
	g.Expect(statsOf(j)).To(Equal(stats{scanned: 2, added: 2}))
	out, err := e.vectors.ListVectors(ctx, &s3vectors.ListVectorsInput{VectorBucketName: aws.String(bucket), IndexName: aws.String("docs")})
	g.Expect(err).NotTo(HaveOccurred())
	var keys []string
	for _, v := range out.Vectors {
		keys = append(keys, aws.ToString(v.Key))
	}
	g.Expect(keys).To(ConsistOf(VectorKey(dsID, "docs/a.txt"), VectorKey(dsID, "docs/b.txt")))

	e.remove(e.docs, "docs/b.txt")
	j = e.sync()
	g.Expect(statsOf(j)).To(Equal(stats{scanned: 1, deleted: 1}))
}
