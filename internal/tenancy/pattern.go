package tenancy

import (
	"fmt"
	"regexp"
	"strings"
)

// MaxBucketPatternLength bounds a pattern: a 63-character bucket, a slash,
// and a 1,024-character key prefix.
const MaxBucketPatternLength = 1088

// bucketPart is the CRD's rule for the bucket half of a pattern.
var bucketPart = regexp.MustCompile(`^[a-z0-9.*?-]{1,63}$`)

// BucketPattern is one entry of an AccountBinding's spec.buckets: a pattern
// of bucket names, and optionally a pattern of the keys granted in them.
type BucketPattern struct {
	// Bucket matches bucket names (path.Match, * and ? only).
	Bucket string
	// Key is empty when the whole bucket is granted. Otherwise it matches
	// keys; a trailing * admits every key below (team-a/* grants
	// team-a/x/y.pdf), a * elsewhere stays within one path segment.
	Key string
}

// ParseBucketPattern checks s with the rules the CRD enforces, so a pattern
// that reached the API server always parses, and one read from elsewhere
// (a test, an older CRD) fails here instead of granting something odd.
func ParseBucketPattern(s string) (BucketPattern, error) {
	if len(s) > MaxBucketPatternLength {
		return BucketPattern{}, fmt.Errorf("bucket pattern %.40q... is longer than %d characters", s, MaxBucketPatternLength)
	}
	if strings.ContainsAny(s, `[]\`) {
		return BucketPattern{}, fmt.Errorf("bucket pattern %q: only the * and ? wildcards are allowed, not '[', ']' or '\\'", s)
	}
	bucket, key, hasKey := strings.Cut(s, "/")
	if !bucketPart.MatchString(bucket) {
		return BucketPattern{}, fmt.Errorf("bucket pattern %q: the bucket is 1 to 63 of a-z, 0-9, '.', '-', '*' and '?'", s)
	}
	if hasKey && (key == "" || strings.HasSuffix(key, "/")) {
		return BucketPattern{}, fmt.Errorf("bucket pattern %q ends in '/': write %s* for the keys under that prefix, or the bucket alone for the whole bucket", s, s)
	}
	return BucketPattern{Bucket: bucket, Key: key}, nil
}

// String is the pattern as written in the binding.
func (p BucketPattern) String() string {
	if p.Key == "" {
		return p.Bucket
	}
	return p.Bucket + "/" + p.Key
}

// matchesBucket reports whether the pattern's bucket half matches bucket.
func (p BucketPattern) matchesBucket(bucket string) bool {
	full, _ := globMatch(p.Bucket, bucket)
	return full
}

// WholeBucket reports whether the pattern grants all of bucket: what
// bucket-wide operations (its policy, its versioning) need.
func (p BucketPattern) WholeBucket(bucket string) bool {
	return p.Key == "" && p.matchesBucket(bucket)
}

// Prefix reports whether the pattern grants every key that starts with
// prefix in bucket, which is what listing, reading and writing under that
// prefix needs. The empty prefix is the whole bucket.
//
// With a trailing * (team-a/*) that holds when some leading part of prefix
// matches the rest of the pattern (team-a/): team-a/x/ is admitted, while
// team-a is not, since it also covers team-ab/. Without a trailing * the
// pattern names single keys, which never hold everything under a prefix.
func (p BucketPattern) Prefix(bucket, prefix string) bool {
	if !p.matchesBucket(bucket) {
		return false
	}
	if p.Key == "" {
		return true
	}
	stem, open := strings.CutSuffix(p.Key, "*")
	if !open {
		return false
	}
	_, some := globMatch(stem, prefix)
	return some
}

// Object reports whether the pattern grants the single key in bucket (a
// global ACL file).
func (p BucketPattern) Object(bucket, key string) bool {
	if !p.matchesBucket(bucket) {
		return false
	}
	if p.Key == "" {
		return true
	}
	if stem, open := strings.CutSuffix(p.Key, "*"); open {
		_, some := globMatch(stem, key)
		return some
	}
	full, _ := globMatch(p.Key, key)
	return full
}
