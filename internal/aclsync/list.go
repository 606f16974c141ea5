package aclsync

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/acl"
)

// S3API is the part of the S3 client the sync engine uses; *s3.Client
// satisfies it.
type S3API interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, opts ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
}

// listing is one pass's view of the buckets, split by role, each list
// sorted by key.
type listing struct {
	docs     objects
	sidecars objects
	manifest objects // shards at the bookkeeping location
	legacy   objects // shards at the old default location, when it is not the bookkeeping one
	global   object  // the global file; key "" when absent
}

// lister sorts listed keys into their roles for one target.
type lister struct {
	t            *Target
	book, legacy *location // nil when not wanted
	meta         string
	l            *listing
}

// list lists every prefix the pass needs once: documents.prefix, the
// metadata tree and the global file when they lie outside it, the
// bookkeeping folder, and the old bookkeeping folder (legacy, when not nil
// and not the bookkeeping one). Roots are disjoint, so no key is seen
// twice and none needs remembering beyond its role.
func list(ctx context.Context, api S3API, t *Target, book, legacy *location) (*listing, error) {
	ls := &lister{t: t, book: book, legacy: legacy, meta: metadataDir(t.MetadataPrefix), l: &listing{}}
	if legacy != nil && book != nil && *legacy == *book {
		ls.legacy = nil
	}
	roots := []string{t.Prefix}
	if ls.meta != "" && t.Mode != kbv1.AccessControlNone && !strings.HasPrefix(ls.meta, t.Prefix) {
		if strings.HasPrefix(t.Prefix, ls.meta) {
			roots = []string{ls.meta}
		} else {
			roots = append(roots, ls.meta)
		}
	}
	inRoots := func(bucket, key string) bool {
		for _, r := range roots {
			if bucket == t.Bucket && strings.HasPrefix(key, r) {
				return true
			}
		}
		return false
	}
	for _, r := range roots {
		if err := listPrefix(ctx, api, t.Bucket, r, 0, ls.visit); err != nil {
			return nil, err
		}
	}
	for _, extra := range []struct {
		loc *location
		to  *objects
	}{{ls.book, &ls.l.manifest}, {ls.legacy, &ls.l.legacy}} {
		if extra.loc == nil || inRoots(extra.loc.bucket, extra.loc.dir) {
			continue
		}
		to := extra.to
		if err := listPrefix(ctx, api, extra.loc.bucket, extra.loc.dir, 0, func(o object) { *to = append(*to, o) }); err != nil {
			return nil, err
		}
	}
	if t.Mode == kbv1.AccessControlGlobal && t.GlobalFile != "" && !inRoots(t.Bucket, t.GlobalFile) {
		// The global file alone: it sorts first among keys it prefixes.
		err := listPrefix(ctx, api, t.Bucket, t.GlobalFile, 1, func(o object) {
			if o.key == t.GlobalFile {
				ls.l.global = o
			}
		})
		if err != nil {
			return nil, err
		}
	}
	l := ls.l
	l.docs, l.sidecars, l.manifest, l.legacy = l.docs.sorted(), l.sidecars.sorted(), l.manifest.sorted(), l.legacy.sorted()
	return l, nil
}

// visit sorts one key of the documents bucket into its role. Sidecars (any
// *.metadata.json, and anything under metadataPrefix), the global file,
// kbwarden's bookkeeping (anyone's) and S3 console "folders" (keys ending
// in /) are not documents.
func (ls *lister) visit(o object) {
	t, l, meta := ls.t, ls.l, ls.meta
	under := func(p string) bool { return strings.HasPrefix(p, t.Prefix) }
	switch {
	case ls.legacy != nil && ls.legacy.bucket == t.Bucket && strings.HasPrefix(o.key, ls.legacy.dir):
		l.legacy = append(l.legacy, o)
	case ls.book != nil && ls.book.bucket == t.Bucket && strings.HasPrefix(o.key, ls.book.dir):
		l.manifest = append(l.manifest, o)
	case strings.HasPrefix(o.key, legacyRoot):
	case t.GlobalFile != "" && o.key == t.GlobalFile:
		l.global = o
	case meta != "" && strings.HasPrefix(o.key, meta):
		if doc, ok := acl.DocumentKeyOf(o.key, t.MetadataPrefix); ok && under(doc) {
			l.sidecars = append(l.sidecars, o)
		}
	case strings.HasSuffix(o.key, acl.SidecarSuffix):
		if meta == "" && under(o.key) {
			l.sidecars = append(l.sidecars, o)
		}
	case strings.HasSuffix(o.key, "/") || !under(o.key):
	default:
		l.docs = append(l.docs, o)
	}
}

// listPrefix pages through ListObjectsV2 (1,000 keys a page), or reads one
// page of maxKeys when maxKeys > 0. Keys are asked for URL-encoded: S3
// otherwise returns them raw in XML, and a key holding a character XML 1.0
// cannot carry (U+0001, say) makes the whole page undecodable, which would
// stop every pass on the bucket. The continuation token is opaque and is
// sent back exactly as received.
func listPrefix(ctx context.Context, api S3API, bucket, prefix string, maxKeys int32, visit func(object)) error {
	in := &s3.ListObjectsV2Input{Bucket: &bucket, EncodingType: types.EncodingTypeUrl}
	if prefix != "" {
		in.Prefix = &prefix
	}
	if maxKeys > 0 {
		in.MaxKeys = &maxKeys
	}
	for {
		out, err := api.ListObjectsV2(ctx, in)
		if err != nil {
			return err
		}
		encoded := out.EncodingType == types.EncodingTypeUrl
		for _, c := range out.Contents {
			o, err := objectOf(c, encoded)
			if err != nil {
				return err
			}
			visit(o)
		}
		if maxKeys > 0 || !aws.ToBool(out.IsTruncated) || out.NextContinuationToken == nil {
			return nil
		}
		in.ContinuationToken = out.NextContinuationToken
	}
}

// metadataDir mirrors acl's rule: a metadataPrefix without a trailing slash
// names the folder.
func metadataDir(p string) string {
	if p != "" && !strings.HasSuffix(p, "/") {
		return p + "/"
	}
	return p
}

// quietChecksums keeps the SDK from logging, for every small object read,
// that the response carried no checksum to validate (objects kbwarden did
// not write, and emulators, have none).
func quietChecksums(o *s3.Options) { o.DisableLogOutputChecksumValidationSkipped = true }
