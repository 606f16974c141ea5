package controllers

import (
	"path"
	"strings"
)

// BucketAllowList is the manager's --allowed-buckets: shell-style patterns
// (path.Match) of bucket names kbwarden may act on. A KnowledgeBase naming
// any other bucket stalls with BucketNotAllowed before any AWS call, so one
// namespace cannot make kbwarden rewrite a bucket the platform team did not
// admit. An empty list admits every bucket.
type BucketAllowList []string

// ParseBucketAllowList splits a comma-separated flag value and checks each
// pattern's syntax.
func ParseBucketAllowList(flag string) (BucketAllowList, error) {
	var l BucketAllowList
	for _, p := range strings.Split(flag, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if _, err := path.Match(p, ""); err != nil {
			return nil, err
		}
		l = append(l, p)
	}
	return l, nil
}

// Allows reports whether bucket matches a pattern of the list.
func (l BucketAllowList) Allows(bucket string) bool {
	if len(l) == 0 {
		return true
	}
	for _, p := range l {
		if ok, _ := path.Match(p, bucket); ok {
			return true
		}
	}
	return false
}

func (l BucketAllowList) String() string {
	if len(l) == 0 {
		return "*"
	}
	return strings.Join(l, ",")
}
