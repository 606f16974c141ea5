package aclsync

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
)

// TestGlobalFileNeverOverwritesAnotherObject: an object at globalFile that
// is not a global ACL file kbwarden wrote is reported as NotOwned, never
// overwritten, and never deleted by Cleanup (issue 11, item 2: a PDF named
// as globalFile was overwritten, then deleted).
func TestGlobalFileNeverOverwritesAnotherObject(t *testing.T) {
	cases := map[string]struct {
		body  string
		size  int64 // a large object of blanks instead of body
		reads int   // GETs the first pass makes
	}{
		"a PDF":                         {body: "%PDF-1.7\n\x00\x01 binary", reads: 1},
		"someone's global ACL file":     {body: `[{"keyPrefix":"s3://x/","aclEntries":[]}]`, reads: 1},
		"an object too large to be one": {size: maxGlobalFileBytes + 1, reads: 0},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			ctx := context.Background()
			bucket := newBucket(t)
			put(t, bucket, "docs/a.txt", "text")
			if tc.size > 0 {
				putLarge(t, bucket, "docs/report.pdf", tc.size)
			} else {
				put(t, bucket, "docs/report.pdf", tc.body)
			}
			before, _ := read(t, bucket, "docs/report.pdf")
			target := global(t, bucket, "docs/report.pdf")
			s := &Syncer{}
			for pass := range 2 {
				ops0 := counter.ForBucket(bucket)
				res, err := s.Sync(ctx, counted, target)
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(res.Problems).To(ConsistOf(And(HaveField("Key", "docs/report.pdf"), HaveField("Kind", NotOwned))))
				g.Expect(res.Written).To(BeZero())
				got := ops(bucket, ops0)
				g.Expect(got["PutObject"]).To(Equal(1-pass), "the manifest only, once")
				if pass == 0 {
					g.Expect(got["GetObject"]).To(Equal(tc.reads))
				} else {
					g.Expect(got).NotTo(HaveKey("GetObject"), "known at this ETag: not read again")
				}
			}
			removed, _, err := s.Cleanup(ctx, counted, target)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(removed).To(BeZero())
			after, ok := read(t, bucket, "docs/report.pdf")
			g.Expect(ok).To(BeTrue(), "never deleted")
			g.Expect(after == before).To(BeTrue(), "never overwritten")
		})
	}
}

// TestGlobalFileOwnership: the global file kbwarden created is repaired
// when someone edits it (still a global ACL file), left alone when someone
// replaces it with something else, and deleted by Cleanup only while its
// ETag is that of kbwarden's own PUT.
func TestGlobalFileOwnership(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	bucket := newBucket(t)
	put(t, bucket, "docs/a.txt", "text")
	target := global(t, bucket, "acl/acl.json")
	want := string(target.Policy.GlobalFile())
	s := &Syncer{}
	res, err := s.Sync(ctx, counted, target)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.Written).To(Equal(1))

	put(t, bucket, "acl/acl.json", `[{"keyPrefix":"s3://`+bucket+`/docs/","aclEntries":[{"Name":"Mallory","Type":"GROUP","Access":"ALLOW"}]}]`)
	res, err = s.Sync(ctx, counted, target)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.Repaired).To(Equal(1), "an edited global file kbwarden wrote is drift, repaired")
	body, _ := read(t, bucket, "acl/acl.json")
	g.Expect(body).To(Equal(want))

	put(t, bucket, "acl/acl.json", "not json at all")
	res, err = s.Sync(ctx, counted, target)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.Problems).To(ConsistOf(HaveField("Kind", NotOwned)))
	body, _ = read(t, bucket, "acl/acl.json")
	g.Expect(body).To(Equal("not json at all"))

	removed, _, err := s.Cleanup(ctx, counted, target)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(removed).To(BeZero())
	_, ok := read(t, bucket, "acl/acl.json")
	g.Expect(ok).To(BeTrue(), "someone's replacement is never deleted")

	// Someone uploads exactly kbwarden's bytes: in sync, but not kbwarden's own.
	put(t, bucket, "acl/acl.json", want)
	s = &Syncer{}
	res, err = s.Sync(ctx, counted, target)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.InSync).To(Equal(1))
	_, _, err = s.Cleanup(ctx, counted, target)
	g.Expect(err).NotTo(HaveOccurred())
	_, ok = read(t, bucket, "acl/acl.json")
	g.Expect(ok).To(BeTrue(), "kbwarden did not create it")

	// kbwarden creates it again: Cleanup deletes it.
	_, err = raw.DeleteObject(ctx, deleteInput(bucket, "acl/acl.json"))
	g.Expect(err).NotTo(HaveOccurred())
	_, err = s.Sync(ctx, counted, target)
	g.Expect(err).NotTo(HaveOccurred())
	removed, _, err = s.Cleanup(ctx, counted, target)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(removed).To(Equal(1))
	g.Expect(keys(t, bucket)).To(Equal([]string{"docs/a.txt"}))
}

// TestEditedSidecarBelongsToItsEditor (issue 11, item 3): kbwarden creates a
// sidecar, a person adds a Title and keeps the ACL, and a pass reads the
// edit. The path that made the edit kbwarden's was update(): its "ACL
// already right" branch recorded entry{ETag: <the ETag it read>, Created:
// prev.Created}, and state.set saved it to the manifest, so Cleanup (or the
// orphan rule) found a "created" file at a matching ETag and deleted it,
// Title and all. Now only kbwarden's own PUT sets Own: the edited file is
// stripped of kbwarden's field, never deleted.
func TestEditedSidecarBelongsToItsEditor(t *testing.T) {
	const sidecar = "docs/a.txt.metadata.json"
	edited := `{"AccessControlList":[{"Name":"Everyone","Type":"GROUP","Access":"ALLOW"}],"Title":"Mine"}`
	cases := map[string]struct {
		after     func(t *testing.T, s *Syncer, target Target) // between the edit's pass and the end
		cleanup   bool
		wantBody  string // "" means deleted
		wantOrphn bool
	}{
		"cleanup after the edit was read": {cleanup: true, wantBody: `{"Title":"Mine"}`},
		"cleanup after a rule change rewrote the edited file": {cleanup: true, wantBody: `{"Title":"Mine"}`,
			after: func(t *testing.T, s *Syncer, target Target) {
				target.Policy = perDocumentPolicy(t, target.Bucket, "Staff")
				res, err := s.Sync(context.Background(), counted, target)
				NewWithT(t).Expect(err).NotTo(HaveOccurred())
				NewWithT(t).Expect(res.Written).To(Equal(1))
			}},
		"document deleted after the edit was read": {wantBody: edited, wantOrphn: true,
			after: func(t *testing.T, s *Syncer, target Target) {
				_, err := raw.DeleteObject(context.Background(), deleteInput(target.Bucket, "docs/a.txt"))
				NewWithT(t).Expect(err).NotTo(HaveOccurred())
			}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			ctx := context.Background()
			bucket, target, s := syncedOneDocument(t)
			put(t, bucket, sidecar, edited)
			res, err := s.Sync(ctx, counted, target)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(res.InSync).To(Equal(1), "the ACL is right: read, not written")
			if tc.after != nil {
				tc.after(t, s, target)
			}
			res, err = s.Sync(ctx, counted, target)
			g.Expect(err).NotTo(HaveOccurred())
			if tc.wantOrphn {
				g.Expect(res.Problems).To(ConsistOf(HaveField("Kind", Orphan)))
			}
			if tc.cleanup {
				removed, left, err := s.Cleanup(ctx, counted, target)
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(removed).To(Equal(1), "stripped")
				g.Expect(left).To(BeEmpty())
			}
			body, ok := read(t, bucket, sidecar)
			g.Expect(ok).To(BeTrue(), "an edited sidecar is never deleted")
			g.Expect(body).To(Equal(tc.wantBody))
		})
	}
}

// TestMayTouchBoundsWhatTheManifestNames: the manifest lives in S3, where
// a tenant may write it, so a key it names as kbwarden's own is retired
// only where the grant (Target.MayTouch) lets kbwarden write. Here the
// sidecar is wholly kbwarden's, and still survives a cleanup the grant
// does not cover.
func TestMayTouchBoundsWhatTheManifestNames(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	bucket, target, s := syncedOneDocument(t)
	_, ok := read(t, bucket, "docs/a.txt.metadata.json")
	g.Expect(ok).To(BeTrue())

	var asked []string
	target.MayTouch = func(b, key string) bool { asked = append(asked, key); return false }
	_, _, err := s.Cleanup(ctx, counted, target)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(asked).To(ContainElement("docs/a.txt.metadata.json"))
	_, ok = read(t, bucket, "docs/a.txt.metadata.json")
	g.Expect(ok).To(BeTrue(), "a file outside the grant is never deleted")
}
