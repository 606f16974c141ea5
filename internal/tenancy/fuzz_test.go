package tenancy

import (
	"path"
	"strings"
	"testing"
)

// FuzzGlobMatch checks the automaton against path.Match itself on every
// pattern the grammar admits, and its prefix answer against path.Match on
// every leading part of s.
func FuzzGlobMatch(f *testing.F) {
	for _, seed := range [][2]string{
		{"team-a/*", "team-a/x/"}, {"*a?b*", "xa/bb"}, {"?", "é"}, {"\xc3?", "é\xa9"}, {"**/?", "a/\xff"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if strings.ContainsAny(pattern, `[]\`) || len(pattern) > 64 || len(s) > 256 {
			t.Skip()
		}
		full, prefix := globMatch(pattern, s)
		want, err := path.Match(pattern, s)
		if err != nil {
			t.Fatalf("path.Match(%q) failed on a pattern the grammar admits: %v", pattern, err)
		}
		if full != want {
			t.Fatalf("globMatch(%q, %q) full = %v, path.Match says %v", pattern, s, full, want)
		}
		wantPrefix := false
		for j := 0; j <= len(s) && !wantPrefix; j++ {
			wantPrefix, _ = path.Match(pattern, s[:j])
		}
		if prefix != wantPrefix {
			t.Fatalf("globMatch(%q, %q) prefix = %v, path.Match on the leading parts says %v", pattern, s, prefix, wantPrefix)
		}
	})
}

// FuzzBucketPattern checks what a parsed pattern grants is sound: a key
// prefix it admits admits every key below it, a key it admits under an
// admitted prefix is granted as an object, and the whole bucket is granted
// only by a pattern naming no key.
func FuzzBucketPattern(f *testing.F) {
	for _, seed := range [][4]string{
		{"acme-docs/team-a/*", "acme-docs", "team-a/x/", "y.pdf"},
		{"acme-docs/team-a*", "acme-docs", "team-a", "b/c"},
		{"team-?-*", "team-a-docs", "", "k"},
		{"acme-docs/*/shared/*", "acme-docs", "x/shared/", "/"},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3])
	}
	f.Fuzz(func(t *testing.T, raw, bucket, prefix, suffix string) {
		p, err := ParseBucketPattern(raw)
		if err != nil {
			return
		}
		if p.String() != raw {
			t.Fatalf("ParseBucketPattern(%q).String() = %q", raw, p.String())
		}
		if p.WholeBucket(bucket) && !p.Prefix(bucket, "") {
			t.Fatalf("%q grants bucket %q whole but not its keys", raw, bucket)
		}
		if p.Prefix(bucket, "") && p.Key != "" && strings.Trim(p.Key, "*") != "" {
			t.Fatalf("%q names keys %q yet admits the empty prefix", raw, p.Key)
		}
		if p.Prefix(bucket, prefix) {
			if !p.Prefix(bucket, prefix+suffix) {
				t.Fatalf("%q admits prefix %q but not %q below it", raw, prefix, prefix+suffix)
			}
			if !p.Object(bucket, prefix+suffix) {
				t.Fatalf("%q admits prefix %q but not the key %q below it", raw, prefix, prefix+suffix)
			}
		}
	})
}
