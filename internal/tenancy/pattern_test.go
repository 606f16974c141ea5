package tenancy

import (
	"path"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
)

func TestParseBucketPattern(t *testing.T) {
	cases := map[string]struct {
		in      string
		want    BucketPattern
		wantErr string
	}{
		"bucket":                {in: "team-a-*", want: BucketPattern{Bucket: "team-a-*"}},
		"bucket and prefix":     {in: "acme-docs/team-a/*", want: BucketPattern{Bucket: "acme-docs", Key: "team-a/*"}},
		"every bucket":          {in: "*", want: BucketPattern{Bucket: "*"}},
		"single key":            {in: "acme-docs/acl/team-a.json", want: BucketPattern{Bucket: "acme-docs", Key: "acl/team-a.json"}},
		"character class":       {in: "team-[ab]-*", wantErr: "only the * and ? wildcards"},
		"escape":                {in: `team-a\*`, wantErr: "only the * and ? wildcards"},
		"upper case bucket":     {in: "Team-A", wantErr: "the bucket is 1 to 63"},
		"empty":                 {in: "", wantErr: "the bucket is 1 to 63"},
		"empty bucket":          {in: "/team-a/*", wantErr: "the bucket is 1 to 63"},
		"trailing slash":        {in: "acme-docs/team-a/", wantErr: "write acme-docs/team-a/* for the keys"},
		"bucket and lone slash": {in: "acme-docs/", wantErr: "ends in '/'"},
		"bucket name too long":  {in: "a123456789012345678901234567890123456789012345678901234567890123", wantErr: "1 to 63"},
		"pattern too long":      {in: "b/" + string(make([]byte, MaxBucketPatternLength)), wantErr: "longer than"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			got, err := ParseBucketPattern(tc.in)
			if tc.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tc.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got).To(Equal(tc.want))
			g.Expect(got.String()).To(Equal(tc.in))
		})
	}
}

func TestBucketPatternPrefix(t *testing.T) {
	cases := []struct {
		pattern, bucket, prefix string
		want                    bool
	}{
		{"acme-docs/team-a/*", "acme-docs", "team-a/x/", true},
		{"acme-docs/team-a/*", "acme-docs", "team-a/", true},
		{"acme-docs/team-a/*", "acme-docs", "team-a/x/y/z.pdf", true},
		{"acme-docs/team-a/*", "acme-docs", "team-b/", false},
		{"acme-docs/team-a/*", "acme-docs", "", false},       // the whole bucket
		{"acme-docs/team-a/*", "acme-docs", "team-a", false}, // also covers team-ab/
		{"acme-docs/team-a/*", "acme-docs", "team-", false},  // shorter than the pattern's prefix
		{"acme-docs/team-a/*", "acme-docs", "t", false},
		{"acme-docs/team-a/*", "acme-docs", "team-ab/", false},
		{"acme-docs/team-a/*", "other-docs", "team-a/", false},
		{"acme-docs/team-a*", "acme-docs", "team-ab/", true}, // IAM-like: team-a* covers team-ab
		{"acme-docs/team-a*", "acme-docs", "team-a", true},
		{"acme-docs/team-?/*", "acme-docs", "team-a/", true},
		{"acme-docs/team-?/*", "acme-docs", "team-ab/", false},
		{"acme-docs/team-?/*", "acme-docs", "team-/", false},
		{"acme-docs/*/shared/*", "acme-docs", "x/shared/y", true},
		{"acme-docs/*/shared/*", "acme-docs", "x/y/shared/", false},        // * stays in one segment
		{"acme-docs/*", "acme-docs", "", true},                             // every key, not the bucket itself
		{"acme-docs/team-a/doc.pdf", "acme-docs", "team-a/doc.pdf", false}, // a single key is no prefix
		{"team-a-*", "team-a-docs", "", true},
		{"team-a-*", "team-a-docs", "anything/", true},
		{"team-a-*", "team-b-docs", "", false},
		{"*", "any.bucket", "x/", true},
	}
	for _, tc := range cases {
		p, err := ParseBucketPattern(tc.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Prefix(tc.bucket, tc.prefix); got != tc.want {
			t.Errorf("%q.Prefix(%q, %q) = %v, want %v", tc.pattern, tc.bucket, tc.prefix, got, tc.want)
		}
	}
}

func TestBucketPatternObjectAndWholeBucket(t *testing.T) {
	cases := []struct {
		pattern, bucket, key string
		object, whole        bool
	}{
		{"acme-docs/team-a/*", "acme-docs", "team-a/acl.json", true, false},
		{"acme-docs/team-a/*", "acme-docs", "team-b/acl.json", false, false},
		{"acme-docs/team-a/*", "acme-docs", "team-a", false, false},
		{"acme-docs/acl/team-a.json", "acme-docs", "acl/team-a.json", true, false},
		{"acme-docs/acl/team-a.json", "acme-docs", "acl/team-b.json", false, false},
		{"acme-docs/acl/*.json", "acme-docs", "acl/a.json", true, false},
		{"acme-docs/acl/*.json", "acme-docs", "acl/x/a.json", false, false},
		{"team-a-*", "team-a-docs", "any/key", true, true},
		{"team-a-*", "team-b-docs", "any/key", false, false},
	}
	for _, tc := range cases {
		p, err := ParseBucketPattern(tc.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Object(tc.bucket, tc.key); got != tc.object {
			t.Errorf("%q.Object(%q, %q) = %v, want %v", tc.pattern, tc.bucket, tc.key, got, tc.object)
		}
		if got := p.WholeBucket(tc.bucket); got != tc.whole {
			t.Errorf("%q.WholeBucket(%q) = %v, want %v", tc.pattern, tc.bucket, got, tc.whole)
		}
	}
}

// TestGlobMatchIsPathMatch pins the automaton to path.Match on the cases
// that differ between glob dialects; FuzzGlobMatch covers the rest.
func TestGlobMatchIsPathMatch(t *testing.T) {
	cases := []struct{ pattern, s string }{
		{"", ""}, {"", "a"}, {"*", ""}, {"*", "abc"}, {"*", "a/b"}, {"a*", "a/"},
		{"?", "é"}, {"?", "\xff"}, {"??", "é"}, {"a?c", "a/c"}, {"a*c", "abbbc"},
		{"a*b*c", "axxbyyc"}, {"a*b*c", "axxbyy"}, {"*/*", "a/b"}, {"*/*", "a/b/c"},
		{"**", "ab"}, {"a**/b", "ax/b"}, {"é*", "éa"}, {"\xc3", "é"}, {"\xc3*", "é"},
	}
	for _, tc := range cases {
		want, err := path.Match(tc.pattern, tc.s)
		if err != nil {
			t.Fatal(err)
		}
		if full, _ := globMatch(tc.pattern, tc.s); full != want {
			t.Errorf("globMatch(%q, %q) = %v, path.Match says %v", tc.pattern, tc.s, full, want)
		}
	}
}

// BenchmarkPrefixLongKey measures the worst case a user can cause: a
// 1,024-byte documents.prefix against a pattern with many stars.
func BenchmarkPrefixLongKey(b *testing.B) {
	p, err := ParseBucketPattern("acme-docs/*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b/*")
	if err != nil {
		b.Fatal(err)
	}
	long := strings.Repeat("a", 1024)
	b.ReportAllocs()
	for b.Loop() {
		p.Prefix("acme-docs", long)
	}
}

// BenchmarkPrefixByPathMatch is the same check done naively, path.Match on
// every leading part of the prefix, for comparison.
func BenchmarkPrefixByPathMatch(b *testing.B) {
	stem := "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b/"
	long := strings.Repeat("a", 1024)
	for b.Loop() {
		for j := 0; j <= len(long); j++ {
			if ok, _ := path.Match(stem, long[:j]); ok {
				break
			}
		}
	}
}
