package aclsync

import (
	"context"
	"slices"
	"strings"
	"testing"

	. "github.com/onsi/gomega"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/acl"
)

// spec builds a target over bucket the way the controller would from a spec.
type spec struct {
	mode                 kbv1.AccessControlMode
	prefix, meta, global string
	format               kbv1.ACLFormat
}

func (s spec) target(tb testing.TB, bucket string) Target {
	tb.Helper()
	allow := kbv1.ACLEntry{Group: "Everyone"}
	if s.format == kbv1.ACLFormatBedrockManaged {
		allow = kbv1.ACLEntry{User: "a@example.com"}
	}
	p, err := acl.Compile([]kbv1.ACLRule{{Prefix: "docs/", Allow: []kbv1.ACLEntry{allow}}}, s.format, bucket)
	if err != nil {
		tb.Fatal(err)
	}
	if s.prefix == "" {
		s.prefix = "docs/"
	}
	return Target{Bucket: bucket, Prefix: s.prefix, Owner: "default." + bucket, Mode: s.mode, Policy: p,
		GlobalFile: s.global, MetadataPrefix: s.meta, SizeLimit: acl.MaxSidecarBytes}
}

// dataKeys lists bucket without kbwarden's manifest.
func dataKeys(tb testing.TB, bucket string) []string {
	return slices.DeleteFunc(keys(tb, bucket), func(k string) bool { return strings.HasPrefix(k, legacyRoot) })
}

const (
	quickACL   = `"AccessControlList":[{"Name":"Everyone","Type":"GROUP","Access":"ALLOW"}]`
	bedrockACL = `"accessControlList":[{"Name":"a@example.com","Type":"USER","Access":"ALLOW"}]`
)

// TestLayoutChanges (issue 11, item 5): after a change of mode, prefix,
// metadataPrefix or format, the files of the old layout that kbwarden
// created are removed and its field is stripped from the one a person
// edited (the sidecar of docs/b.txt, given a Title, or the global file),
// before the new layout is written; no sidecar is ever written for the
// global file or for another sidecar.
func TestLayoutChanges(t *testing.T) {
	docs := []string{"docs/a.txt", "docs/b.txt", "docs/sub/c.txt"}
	cases := map[string]struct {
		from, to spec
		edit     func(t *testing.T, bucket string) // after the first pass
		want     []string                          // every key afterwards, manifest aside
		bodies   map[string]string
		retired  int
		problems []string
	}{
		"PerDocument to Global": {
			from: spec{mode: kbv1.AccessControlPerDocument}, to: spec{mode: kbv1.AccessControlGlobal, global: "acl/acl.json"},
			want:    append([]string{"acl/acl.json", "docs/b.txt.metadata.json"}, docs...),
			bodies:  map[string]string{"docs/b.txt.metadata.json": `{"Title":"B"}`},
			retired: 3,
		},
		"Global to PerDocument, the global file inside the prefix": {
			from: spec{mode: kbv1.AccessControlGlobal, global: "docs/acl.json"}, to: spec{mode: kbv1.AccessControlPerDocument},
			edit:    func(*testing.T, string) {},
			want:    append([]string{"docs/a.txt.metadata.json", "docs/b.txt.metadata.json", "docs/sub/c.txt.metadata.json"}, docs...),
			retired: 1,
		},
		"Global to PerDocument, the global file edited": {
			from: spec{mode: kbv1.AccessControlGlobal, global: "docs/acl.json"}, to: spec{mode: kbv1.AccessControlPerDocument},
			edit: func(t *testing.T, bucket string) {
				put(t, bucket, "docs/acl.json", `[{"keyPrefix":"s3://`+bucket+`/docs/","aclEntries":[]}]`)
			},
			want:     append([]string{"docs/acl.json", "docs/a.txt.metadata.json", "docs/b.txt.metadata.json", "docs/sub/c.txt.metadata.json"}, docs...),
			problems: []string{"docs/acl.json"},
		},
		"documents prefix narrowed": {
			from: spec{mode: kbv1.AccessControlPerDocument}, to: spec{mode: kbv1.AccessControlPerDocument, prefix: "docs/sub/"},
			want:    append([]string{"docs/b.txt.metadata.json", "docs/sub/c.txt.metadata.json"}, docs...),
			bodies:  map[string]string{"docs/b.txt.metadata.json": `{"Title":"B"}`},
			retired: 2,
		},
		"metadataPrefix set": {
			from: spec{mode: kbv1.AccessControlPerDocument}, to: spec{mode: kbv1.AccessControlPerDocument, meta: "meta"},
			want:    append([]string{"docs/b.txt.metadata.json", "meta/docs/a.txt.metadata.json", "meta/docs/b.txt.metadata.json", "meta/docs/sub/c.txt.metadata.json"}, docs...),
			bodies:  map[string]string{"docs/b.txt.metadata.json": `{"Title":"B"}`, "meta/docs/a.txt.metadata.json": "{" + quickACL + "}"},
			retired: 3,
		},
		"format Quick to BedrockManaged": {
			from: spec{mode: kbv1.AccessControlPerDocument}, to: spec{mode: kbv1.AccessControlPerDocument, format: kbv1.ACLFormatBedrockManaged},
			want: append([]string{"docs/a.txt.metadata.json", "docs/b.txt.metadata.json", "docs/sub/c.txt.metadata.json"}, docs...),
			bodies: map[string]string{
				"docs/a.txt.metadata.json": "{" + bedrockACL + "}",
				"docs/b.txt.metadata.json": `{"Title":"B",` + bedrockACL + "}",
			},
			retired: 3,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			ctx := context.Background()
			bucket := newBucket(t)
			for _, d := range docs {
				put(t, bucket, d, "text")
			}
			s := &Syncer{}
			_, err := s.Sync(ctx, counted, tc.from.target(t, bucket))
			g.Expect(err).NotTo(HaveOccurred())
			if tc.edit != nil {
				tc.edit(t, bucket)
			} else {
				put(t, bucket, "docs/b.txt.metadata.json", `{`+quickACL+`,"Title":"B"}`)
			}
			to := tc.to.target(t, bucket)
			res, err := s.Sync(ctx, counted, to)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(res.Retired).To(Equal(tc.retired))
			g.Expect(res.LayoutChangePending).To(BeFalse())
			var problems []string
			for _, p := range res.Problems {
				problems = append(problems, p.Key)
			}
			g.Expect(problems).To(ConsistOf(tc.problems))
			slices.Sort(tc.want)
			g.Expect(dataKeys(t, bucket)).To(Equal(tc.want))
			for k, want := range tc.bodies {
				body, _ := read(t, bucket, k)
				g.Expect(body).To(Equal(want), k)
			}

			// The next pass, by a restarted controller too, is steady.
			for _, next := range []*Syncer{s, {}} {
				res, err = next.Sync(ctx, counted, to)
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(res.Written).To(BeZero())
				g.Expect(res.Documents).To(Equal(len(slices.DeleteFunc(slices.Clone(docs), func(d string) bool { return !strings.HasPrefix(d, to.Prefix) }))))
				g.Expect(dataKeys(t, bucket)).To(Equal(tc.want), "acl.json.metadata.json never appears")
			}
		})
	}
}

// TestLayoutChangeWaitsForTheOldFiles: when an old file changes while
// kbwarden strips its field, the new layout is not written that pass (the
// pass says LayoutChangePending); the next pass finishes the change.
func TestLayoutChangeWaitsForTheOldFiles(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	bucket := newBucket(t)
	put(t, bucket, "docs/a.txt", "text")
	s := &Syncer{}
	_, err := s.Sync(ctx, counted, spec{mode: kbv1.AccessControlPerDocument}.target(t, bucket))
	g.Expect(err).NotTo(HaveOccurred())
	put(t, bucket, "docs/a.txt.metadata.json", `{`+quickACL+`,"Title":"A"}`)

	to := spec{mode: kbv1.AccessControlGlobal, global: "acl/acl.json"}.target(t, bucket)
	racing := racingAPI{S3API: counted, key: "docs/a.txt.metadata.json", before: func() {
		put(t, bucket, "docs/a.txt.metadata.json", `{`+quickACL+`,"Title":"A2"}`)
	}}
	res, err := s.Sync(ctx, racing, to)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.LayoutChangePending).To(BeTrue())
	g.Expect(res.ACLHash).To(BeEmpty())
	g.Expect(res.Problems).To(ConsistOf(HaveField("Kind", Changed)))
	_, ok := read(t, bucket, "acl/acl.json")
	g.Expect(ok).To(BeFalse(), "the new layout waits")

	res, err = s.Sync(ctx, counted, to)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.LayoutChangePending).To(BeFalse())
	g.Expect(res.Retired).To(Equal(1))
	body, _ := read(t, bucket, "docs/a.txt.metadata.json")
	g.Expect(body).To(Equal(`{"Title":"A2"}`))
	_, ok = read(t, bucket, "acl/acl.json")
	g.Expect(ok).To(BeTrue())
}
