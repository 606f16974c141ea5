package aclsync

import (
	"fmt"
	"strings"
)

// legacyRoot is the folder every KnowledgeBase's bookkeeping used to live
// in, at the root of the documents bucket. Keys under it are never
// documents, whoever's they are.
const legacyRoot = ".kbwarden/"

// location is a folder of a bucket.
type location struct {
	bucket, dir string
}

// bookkeeping resolves where the manifest of t lives (see
// Target.BookkeepingBucket) and refuses a location inside the data source.
func bookkeeping(t *Target) (location, error) {
	loc := location{bucket: t.BookkeepingBucket, dir: t.BookkeepingPrefix}
	if loc.bucket == "" {
		loc.bucket = t.Bucket
	}
	if loc.dir == "" {
		loc.dir = DefaultBookkeepingPrefix(t.Owner)
	} else if !strings.HasSuffix(loc.dir, "/") {
		loc.dir += "/"
	}
	if loc.bucket == t.Bucket && strings.HasPrefix(loc.dir, t.Prefix) {
		return loc, &BookkeepingInScopeError{Bucket: loc.bucket, Dir: loc.dir, Prefix: t.Prefix}
	}
	return loc, nil
}

// DefaultBookkeepingPrefix is the folder of owner's manifest when
// Target.BookkeepingPrefix is empty, in whichever bucket holds it.
func DefaultBookkeepingPrefix(owner string) string { return legacyRoot + owner + "/" }

// legacyLocation is where manifests were kept before the location became
// configurable: ".kbwarden/<Owner>/" in the documents bucket.
func legacyLocation(t *Target) location {
	return location{bucket: t.Bucket, dir: legacyRoot + t.Owner + "/"}
}

// BookkeepingInScopeError says that kbwarden's manifest would lie inside
// the data source's scope, where the ingestion service would ingest it as a
// document. Nothing is written; the caller reports it as a spec or
// configuration error (name a bookkeeping bucket, or a documents prefix).
type BookkeepingInScopeError struct {
	// Bucket and Dir locate the manifest; Prefix is documents.prefix.
	Bucket, Dir, Prefix string
}

// Error says where and why.
func (e *BookkeepingInScopeError) Error() string {
	scope := fmt.Sprintf("under documents prefix %q", e.Prefix)
	if e.Prefix == "" {
		scope = "in a documents bucket whose prefix is empty, so every object in it is ingested"
	}
	return fmt.Sprintf("kbwarden's manifest s3://%s/%s would lie inside the data source (%s); set a bookkeeping bucket or a location outside the prefix",
		e.Bucket, e.Dir, scope)
}
