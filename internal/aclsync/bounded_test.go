package aclsync

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	. "github.com/onsi/gomega"
)

// racingGetAPI runs before() ahead of the GetObject of key, to play an
// object that grows between the listing and the read.
type racingGetAPI struct {
	S3API
	key    string
	before func()
}

func (a racingGetAPI) GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	if aws.ToString(in.Key) == a.key {
		a.before()
	}
	return a.S3API.GetObject(ctx, in, opts...)
}

// TestLargeSidecarIsNotReadWhole (issue 11, item 7): a 300 MB
// x.metadata.json is reported as over the limit without being read, whether
// the listing shows its size or it grew after the listing; the pass
// allocates far less than the object's size.
func TestLargeSidecarIsNotReadWhole(t *testing.T) {
	const big = 300 << 20
	const sidecar = "docs/x.pdf.metadata.json"
	cases := map[string]struct {
		grows bool // small when listed, 300 MB when read
	}{
		"listed at 300 MB":          {},
		"grown to 300 MB when read": {grows: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			ctx := context.Background()
			bucket := newBucket(t)
			defer func() { _, _ = raw.DeleteObject(ctx, deleteInput(bucket, sidecar)) }()
			put(t, bucket, "docs/x.pdf", "pdf")
			var api S3API = counted
			if tc.grows {
				put(t, bucket, sidecar, `{"Title":"x"}`)
				api = racingGetAPI{S3API: counted, key: sidecar, before: func() { putLarge(t, bucket, sidecar, big) }}
			} else {
				putLarge(t, bucket, sidecar, big)
			}
			read := &atomic.Int64{}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			res, err := (&Syncer{}).Sync(ctx, countingAPI{S3API: api, read: read}, perDocument(t, bucket))
			runtime.ReadMemStats(&after)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(res.Problems).To(ConsistOf(And(HaveField("Key", "docs/x.pdf"), HaveField("Kind", OverLimit))))
			g.Expect(res.OverLimit).To(Equal(1))
			g.Expect(read.Load()).To(BeNumerically("<=", sidecarReadLimit(&Target{})+1), "bytes read")
			g.Expect(after.TotalAlloc-before.TotalAlloc).To(BeNumerically("<", 32<<20), "bytes allocated by the pass")
		})
	}
}

// TestForget: the manifest cache of a deleted KnowledgeBase can be dropped;
// the next pass then reads the manifest again.
func TestForget(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	bucket, target, s := syncedOneDocument(t)
	other := target
	other.Owner = "default.other"
	_, err := s.Sync(ctx, counted, other)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(s.states).To(HaveLen(2))

	s.Forget(target.Owner)
	g.Expect(s.states).To(HaveLen(1))
	g.Expect(s.states).To(HaveKey(stateKey(&other)))
	before := counter.ForBucket(bucket)
	_, err = s.Sync(ctx, counted, target)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(ops(bucket, before)["GetObject"]).To(Equal(1), "the manifest, read again")
}
