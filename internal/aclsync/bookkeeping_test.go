package aclsync

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
)

// TestBookkeepingOutsideTheDataSource (issue 11, item 12): kbwarden's
// manifest never lies where the ingestion service would ingest it. With an
// empty documents prefix (the whole bucket is the data source) it must go
// to another bucket; a location inside the prefix is refused before
// anything is written.
func TestBookkeepingOutsideTheDataSource(t *testing.T) {
	cases := map[string]struct {
		prefix, bookBucket, bookPrefix string
		wantErr                        bool
		manifestIn                     string // "docs" or "book"
	}{
		"empty prefix, no bookkeeping bucket":    {prefix: "", wantErr: true},
		"empty prefix, a bookkeeping bucket":     {prefix: "", bookBucket: "book", manifestIn: "book"},
		"a prefix, the default location":         {prefix: "docs/", manifestIn: "docs"},
		"a bookkeeping prefix inside the prefix": {prefix: "docs/", bookPrefix: "docs/.kbwarden/", wantErr: true},
		"a bookkeeping prefix outside it":        {prefix: "docs/", bookPrefix: "state/kb", manifestIn: "docs"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			ctx := context.Background()
			bucket, book := newBucket(t), newBucket(t)
			put(t, bucket, "docs/a.txt", "text")
			target := perDocument(t, bucket)
			target.Prefix, target.BookkeepingPrefix = tc.prefix, tc.bookPrefix
			if tc.bookBucket != "" {
				target.BookkeepingBucket = book
			}
			before := counter.ForBucket(bucket)
			res, err := (&Syncer{}).Sync(ctx, counted, target)
			if tc.wantErr {
				var inScope *BookkeepingInScopeError
				g.Expect(errors.As(err, &inScope)).To(BeTrue(), "got %v", err)
				g.Expect(err.Error()).To(ContainSubstring("inside the data source"))
				g.Expect(ops(bucket, before)).To(BeEmpty(), "nothing is even listed")
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(res.Documents).To(Equal(1))
			manifests := func(b string) []string {
				return slices.DeleteFunc(keys(t, b), func(k string) bool { return !strings.Contains(k, "manifest-") })
			}
			if tc.manifestIn == "book" {
				g.Expect(manifests(bucket)).To(BeEmpty())
				g.Expect(manifests(book)).To(HaveLen(1))
			} else {
				g.Expect(manifests(bucket)).To(HaveLen(1))
				g.Expect(strings.HasPrefix(manifests(bucket)[0], "docs/")).To(BeFalse())
			}
		})
	}
}

// TestBookkeepingMovesTheOldManifest: a manifest at the old default
// location (.kbwarden/<owner>/ in the documents bucket, inside the data
// source when the prefix is empty) is read, written at the new location,
// and removed, without forgetting what kbwarden created.
func TestBookkeepingMovesTheOldManifest(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	bucket, book := newBucket(t), newBucket(t)
	for _, k := range docKeys(3) {
		put(t, bucket, k, "text")
	}
	target := perDocument(t, bucket)
	_, err := (&Syncer{}).Sync(ctx, counted, target) // writes .kbwarden/<owner>/ in bucket
	g.Expect(err).NotTo(HaveOccurred())

	target.Prefix, target.BookkeepingBucket = "", book
	s := &Syncer{}
	res, err := s.Sync(ctx, counted, target)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.Written).To(BeZero(), "nothing forgotten, nothing rewritten")
	g.Expect(res.InSync).To(Equal(3))
	g.Expect(res.Documents).To(Equal(3), "the old manifest is no document")
	g.Expect(keys(t, bucket)).NotTo(ContainElement(HavePrefix(legacyRoot)), "moved out of the data source")
	g.Expect(keys(t, book)).To(ConsistOf(HavePrefix(legacyRoot + target.Owner + "/manifest-")))

	before := counter.ForBucket(bucket)
	_, err = s.Sync(ctx, counted, target)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(ops(bucket, before)).To(Equal(map[string]int{"ListObjectsV2": 1}), "steady: the documents, and the bookkeeping bucket apart")

	removed, _, err := (&Syncer{}).Cleanup(ctx, counted, target)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(removed).To(Equal(3), "the moved manifest still knows kbwarden created them")
	g.Expect(keys(t, bucket)).To(Equal(docKeys(3)))
	g.Expect(keys(t, book)).To(BeEmpty())
}
