package aclsync

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	. "github.com/onsi/gomega"
)

func docKeys(n int) []string {
	var keys []string
	for i := range n {
		keys = append(keys, fmt.Sprintf("docs/d%03d.txt", i))
	}
	return keys
}

// TestSyncSteadyStateAndRestart: a first pass writes every sidecar; the next
// makes only LIST calls; a restarted controller (a new Syncer) GETs each
// manifest shard once and nothing else, even with the manifest sharded.
func TestSyncSteadyStateAndRestart(t *testing.T) {
	g := NewWithT(t)
	defer func(n int) { entriesPerShard = n }(entriesPerShard)
	entriesPerShard = 8
	ctx := context.Background()
	bucket := newBucket(t)
	for _, k := range docKeys(40) {
		put(t, bucket, k, "text")
	}
	target := perDocument(t, bucket)

	s := &Syncer{}
	res, err := s.Sync(ctx, counted, target)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.Written).To(Equal(40))
	g.Expect(res.Documents).To(Equal(40))

	before := counter.ForBucket(bucket)
	res2, err := s.Sync(ctx, counted, target)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res2.InSync).To(Equal(40))
	g.Expect(res2.ACLHash).To(Equal(res.ACLHash))
	g.Expect(res2.Fingerprint).To(Equal(res.Fingerprint))
	g.Expect(ops(bucket, before)).To(Equal(map[string]int{"ListObjectsV2": 2}), "documents prefix and bookkeeping: LIST only")

	before = counter.ForBucket(bucket)
	_, err = (&Syncer{}).Sync(ctx, counted, target)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(ops(bucket, before)).To(Equal(map[string]int{"ListObjectsV2": 2, "GetObject": 8}), "40 entries in 8 shards: one GET each")
}

// TestSyncInterruptedPassFinishes kills a pass after 15 writes, before its
// manifest is written; the next pass (a new process) reads what it does not
// know, rewrites none of the 15, and writes the other 25.
func TestSyncInterruptedPassFinishes(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	bucket := newBucket(t)
	for _, k := range docKeys(40) {
		put(t, bucket, k, "text")
	}
	target := perDocument(t, bucket)
	left := &atomic.Int64{}
	left.Store(15)
	s := &Syncer{Concurrency: 1}
	_, err := s.Sync(ctx, dyingAPI{S3API: counted, left: left}, target)
	g.Expect(err).To(HaveOccurred())

	before := counter.ForBucket(bucket)
	res, err := (&Syncer{}).Sync(ctx, counted, target)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.Written).To(Equal(25))
	g.Expect(res.InSync).To(Equal(15))
	got := ops(bucket, before)
	g.Expect(got["GetObject"]).To(Equal(15))
	g.Expect(got["PutObject"]).To(Equal(26), "25 sidecars and the manifest")
}

// TestSyncConditionalWrite: a sidecar changed between kbwarden's read and
// its write is not overwritten, and the next pass handles it.
func TestSyncConditionalWrite(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	bucket := newBucket(t)
	put(t, bucket, "docs/a.txt", "text")
	put(t, bucket, "docs/a.txt.metadata.json", `{"Title":"A"}`)
	target := perDocument(t, bucket)
	api := racingAPI{S3API: counted, key: "docs/a.txt.metadata.json", before: func() {
		put(t, bucket, "docs/a.txt.metadata.json", `{"Title":"B"}`)
	}}
	res, err := (&Syncer{}).Sync(ctx, api, target)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.Problems).To(ConsistOf(HaveField("Kind", Changed)))
	body, _ := read(t, bucket, "docs/a.txt.metadata.json")
	g.Expect(body).To(Equal(`{"Title":"B"}`), "the other writer's change is kept")

	res, err = (&Syncer{}).Sync(ctx, counted, target)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.Written).To(Equal(1))
	body, _ = read(t, bucket, "docs/a.txt.metadata.json")
	g.Expect(body).To(Equal(`{"AccessControlList":[{"Name":"Everyone","Type":"GROUP","Access":"ALLOW"}],"Title":"B"}`))
}

// TestSyncOrphansAndCleanup: when documents go, only the sidecars that are
// wholly kbwarden's are removed; Cleanup deletes those, strips kbwarden's
// ACL field from everyone else's, removes the manifest, and touches nothing
// else.
func TestSyncOrphansAndCleanup(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	bucket := newBucket(t)
	for _, k := range []string{"docs/mine.txt", "docs/edited.txt", "docs/theirs.txt", "docs/kept.txt", "docs/kept2.txt"} {
		put(t, bucket, k, "text")
	}
	put(t, bucket, "docs/theirs.txt.metadata.json", `{"Title":"T"}`)
	put(t, bucket, "docs/kept2.txt.metadata.json", `{"Title":"K"}`)
	target := perDocument(t, bucket)
	s := &Syncer{}
	_, err := s.Sync(ctx, counted, target)
	g.Expect(err).NotTo(HaveOccurred())

	put(t, bucket, "docs/edited.txt.metadata.json", `{"Title":"someone's"}`)
	for _, k := range []string{"docs/mine.txt", "docs/edited.txt", "docs/theirs.txt"} {
		_, err := raw.DeleteObject(ctx, deleteInput(bucket, k))
		g.Expect(err).NotTo(HaveOccurred())
	}
	res, err := s.Sync(ctx, counted, target)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.Written).To(Equal(1))
	g.Expect(res.Problems).To(ConsistOf(
		HaveField("Key", "docs/edited.txt.metadata.json"),
		HaveField("Key", "docs/theirs.txt.metadata.json")))
	_, ok := read(t, bucket, "docs/mine.txt.metadata.json")
	g.Expect(ok).To(BeFalse())

	removed, left, err := s.Cleanup(ctx, counted, target)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(removed).To(Equal(3), "kept's sidecar deleted; kbwarden's field stripped from kept2's and theirs")
	g.Expect(left).To(BeEmpty(), "edited's holds nothing of kbwarden's")
	for key, want := range map[string]string{
		"docs/kept.txt.metadata.json": "", "docs/kept2.txt.metadata.json": `{"Title":"K"}`,
		"docs/edited.txt.metadata.json": `{"Title":"someone's"}`, "docs/theirs.txt.metadata.json": `{"Title":"T"}`, "docs/kept.txt": "text",
	} {
		body, ok := read(t, bucket, key)
		g.Expect(ok).To(Equal(want != ""), key)
		g.Expect(body).To(Equal(want), key)
	}
	out, err := raw.ListObjectsV2(ctx, listInput(bucket, ".kbwarden/"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.Contents).To(BeEmpty(), "the manifest is gone")
}

// TestSyncObserveWritesNothing: in Observe nothing is written and what
// would be is returned; a second pass reads nothing new.
func TestSyncObserveWritesNothing(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	bucket := newBucket(t)
	put(t, bucket, "docs/a.txt", "text")
	put(t, bucket, "docs/b.txt", "text")
	put(t, bucket, "docs/b.txt.metadata.json", `{"Title":"B"}`)
	target := perDocument(t, bucket)
	target.Observe = true
	s := &Syncer{}
	for range 2 {
		before := counter.ForBucket(bucket)
		res, err := s.Sync(ctx, counted, target)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(res.Pending).To(Equal([]string{"docs/a.txt.metadata.json", "docs/b.txt.metadata.json"}))
		g.Expect(ops(bucket, before)).NotTo(HaveKey("PutObject"))
	}
	before := counter.ForBucket(bucket)
	_, _ = s.Sync(ctx, counted, target)
	g.Expect(ops(bucket, before)).To(Equal(map[string]int{"ListObjectsV2": 2}), "known content is not read again")
}
