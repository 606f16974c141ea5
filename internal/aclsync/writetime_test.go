package aclsync

import (
	"bytes"
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	. "github.com/onsi/gomega"
)

// TestLastWriteAt (issue 11, item 10): a pass that writes ACL files returns
// when S3 says the latest write took effect (the Date of S3's response,
// S3's clock, not the manager's); a pass that writes none returns zero.
func TestLastWriteAt(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	bucket := newBucket(t)
	put(t, bucket, "docs/a.txt", "text")
	probe, err := raw.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("probe"), Body: bytes.NewReader(nil)})
	g.Expect(err).NotTo(HaveOccurred())
	earlier, ok := serverTime(probe.ResultMetadata)
	g.Expect(ok).To(BeTrue(), "moto sends a Date header")

	s := &Syncer{}
	target := perDocument(t, bucket)
	res, err := s.Sync(ctx, counted, target)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.Written).To(Equal(1))
	g.Expect(res.LastWriteAt.IsZero()).To(BeFalse())
	g.Expect(res.LastWriteAt.Before(earlier)).To(BeFalse(), "by S3's clock, after a request made before the pass")

	res, err = s.Sync(ctx, counted, target)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.LastWriteAt.IsZero()).To(BeTrue(), "nothing written: the manifest alone does not count")

	target.Policy = perDocumentPolicy(t, bucket, "Staff")
	res, err = s.Sync(ctx, counted, target)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.Written).To(Equal(1))
	g.Expect(res.LastWriteAt.IsZero()).To(BeFalse())
}
