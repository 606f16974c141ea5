package aclsync

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

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

// listing is one pass's view of the bucket, split by role.
type listing struct {
	docs     map[string]string // document key -> ETag
	sidecars map[string]string // sidecar key -> ETag
	manifest map[string]string // manifest shard key -> ETag
	global   string            // ETag of the global file, "" when absent
}

// bookkeepingDir is where the manifest of owner ("namespace.name") lives.
func bookkeepingDir(owner string) string { return ".kbwarden/" + owner + "/" }

// list lists every prefix the pass needs once: documents.prefix, and the
// metadata tree, the bookkeeping and the global file when they lie outside
// it, and sorts each key into its role. Sidecars (any *.metadata.json, and
// anything under metadataPrefix), the global file, kbwarden's bookkeeping
// and S3 console "folders" (keys ending in /) are not documents.
func list(ctx context.Context, api S3API, t *Target) (*listing, error) {
	l := &listing{docs: map[string]string{}, sidecars: map[string]string{}, manifest: map[string]string{}}
	meta := metadataDir(t.MetadataPrefix)
	book := bookkeepingDir(t.Owner)
	roots := []string{t.Prefix}
	under := func(p string) bool { return strings.HasPrefix(p, t.Prefix) }
	if meta != "" && !under(meta) {
		roots = append(roots, meta)
	}
	if t.Mode != kbv1.AccessControlNone && !under(book) {
		roots = append(roots, book)
	}
	globalOutside := t.Mode == kbv1.AccessControlGlobal && !under(t.GlobalFile)
	seen := map[string]bool{}
	visit := func(key, etag string) {
		if seen[key] {
			return
		}
		seen[key] = true
		switch {
		case strings.HasPrefix(key, ".kbwarden/"):
			if strings.HasPrefix(key, book) {
				l.manifest[key] = etag
			}
		case t.Mode == kbv1.AccessControlGlobal && key == t.GlobalFile:
			l.global = etag
		case meta != "" && strings.HasPrefix(key, meta):
			if doc, ok := acl.DocumentKeyOf(key, t.MetadataPrefix); ok && under(doc) {
				l.sidecars[key] = etag
			}
		case strings.HasSuffix(key, acl.SidecarSuffix):
			if meta == "" && under(key) {
				l.sidecars[key] = etag
			}
		case strings.HasSuffix(key, "/") || !under(key):
		default:
			l.docs[key] = etag
		}
	}
	for _, root := range roots {
		if err := listPrefix(ctx, api, t.Bucket, root, 0, visit); err != nil {
			return nil, err
		}
	}
	if globalOutside {
		// The global file alone: it sorts first among keys it prefixes.
		if err := listPrefix(ctx, api, t.Bucket, t.GlobalFile, 1, visit); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// listPrefix pages through ListObjectsV2 (1,000 keys a page), or reads one
// page of maxKeys when maxKeys > 0.
func listPrefix(ctx context.Context, api S3API, bucket, prefix string, maxKeys int32, visit func(key, etag string)) error {
	in := &s3.ListObjectsV2Input{Bucket: &bucket}
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
		for _, o := range out.Contents {
			visit(aws.ToString(o.Key), aws.ToString(o.ETag))
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
