// Package scenario seeds the runbook's situation in moto and the
// bedrock-agent emulator: the demo and the end-to-end suite share it, so the
// story a user sees in make demo is the one the tests check.
package scenario

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/kbwarden/kbwarden/internal/testenv"
	"github.com/kbwarden/kbwarden/test/bedrockemu"
	"github.com/kbwarden/kbwarden/test/runbook"
)

// The runbook's names, as config/samples uses them.
const (
	VectorBucket = "sidekick-kb-vectors-dev-275666109134"
	DocsBucket   = "acme-corp-docs"
	// BookkeepingBucket holds kbwarden's manifest: the sample's data source
	// is the whole documents bucket, so the manifest must live elsewhere.
	BookkeepingBucket = "acme-corp-kbwarden"
	Account           = "275666109134"
	KnowledgeBaseID   = "KB12345678"
	DataSourceID      = "DS12345678"
	SampleName        = "sidekick-dev"
	// OthersStatementSid is the statement of the bucket policy that another
	// team owns; kbwarden must never change it.
	OthersStatementSid = "AuditReadOnly"
)

// FaultyPolicy is the runbook's policy after the bad deployment: the
// statement lacks s3:PutObject (and s3:DeleteObject). A second statement
// belongs to the security team; kbwarden must leave it alone. (It is not a
// Deny on aws:SecureTransport: moto enforces that one, and everything here
// speaks plain HTTP on loopback.)
const FaultyPolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    ` + runbook.FaultyStatement + `,
    {
      "Sid": "AuditReadOnly",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::275666109134:role/security-audit"},
      "Action": ["s3:GetObject", "s3:ListBucket"],
      "Resource": ["arn:aws:s3:::sidekick-kb-vectors-dev-275666109134", "arn:aws:s3:::sidekick-kb-vectors-dev-275666109134/*"]
    }
  ]
}`

// Seed creates the two buckets, the faulty policy, and a few dozen
// documents under sales/, hr/confidential/ and legal/ (and misc/, which no
// rule allows), one of them with a sidecar an editor wrote (a Title).
func Seed(ctx context.Context, env *testenv.Env) error {
	c := s3.NewFromConfig(env.AWS, func(o *s3.Options) { o.UsePathStyle = true; o.DisableLogOutputChecksumValidationSkipped = true })
	put := func(bucket, key, body string) error {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: strings.NewReader(body)})
		return err
	}
	for _, b := range []string{VectorBucket, DocsBucket, BookkeepingBucket} {
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &b}); err != nil {
			return fmt.Errorf("creating %s: %w", b, err)
		}
	}
	bucket, policy := VectorBucket, FaultyPolicy
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: &bucket, Policy: &policy}); err != nil {
		return err
	}
	docs := map[string]int{"sales/playbook-%02d.md": 12, "hr/confidential/review-%02d.md": 10, "legal/contract-%02d.md": 8, "misc/note-%02d.md": 3}
	for pattern, n := range docs {
		for i := 1; i <= n; i++ {
			key := fmt.Sprintf(pattern, i)
			if err := put(DocsBucket, key, "# "+key+"\n\nDemo document.\n"); err != nil {
				return err
			}
		}
	}
	return put(DocsBucket, "legal/contract-01.md.metadata.json",
		`{"Title": "Master services agreement", "Attributes": {"_category": "contract"}}`)
}

// Emulator returns the emulator's seed: the sample's knowledge base writing
// to the vector bucket, its data source on the documents bucket with
// document-level ACLs on.
func Emulator() []bedrockemu.KnowledgeBase {
	return []bedrockemu.KnowledgeBase{{
		ID: KnowledgeBaseID, Name: SampleName, VectorStore: bedrockemu.VectorStore{Bucket: VectorBucket},
		DataSources: []bedrockemu.DataSource{{ID: DataSourceID, Bucket: DocsBucket, AccessControl: true}},
	}}
}
