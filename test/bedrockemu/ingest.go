package bedrockemu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// Sidecars larger than this are skipped silently by the service (so their
// ACL does not count); S3 Vectors stores allow much less metadata.
const (
	sidecarLimit          = 10 * 1024
	sidecarLimitS3Vectors = 1024
	sidecarSuffix         = ".metadata.json"
)

type ingestInput struct {
	jobID    string
	kb       KnowledgeBase
	ds       DataSource
	baseline map[string]indexedDoc
}

// indexedDoc is what the index remembers of a document: the ETags of the
// document and of its sidecar, to tell new, modified and unchanged apart.
type indexedDoc struct {
	ETag     string
	MetaETag string
}

type ingestResult struct {
	status  string
	stats   Statistics
	reasons []string
	index   map[string]indexedDoc
}

type object struct {
	key, etag string
	size      int64
}

// change is a document whose embedding must be (re)written.
type change struct {
	key, etag string
	kind      int // changeNew, changeModified or changeMetadata
}

const (
	changeNew = iota
	changeModified
	changeMetadata
)

func failed(stats Statistics, format string, args ...any) ingestResult {
	return ingestResult{status: StatusFailed, stats: stats, reasons: []string{fmt.Sprintf(format, args...)}}
}

// ingest is one job's work: scan the data source, apply ACLs, diff against
// the last COMPLETE job, then write to the vector store (vectorstore.go).
func (s *Server) ingest(ctx context.Context, in ingestInput) ingestResult {
	ds := in.ds
	objs, err := s.listObjects(ctx, ds.Bucket, ds.Prefix)
	if err != nil {
		return failed(Statistics{}, "Unable to list documents in s3://%s/%s: %v", ds.Bucket, ds.Prefix, err)
	}
	sidecars := map[string]object{}
	if ds.MetadataPrefix != "" {
		metas, err := s.listObjects(ctx, ds.Bucket, ds.MetadataPrefix)
		if err != nil {
			return failed(Statistics{}, "Unable to list metadata in s3://%s/%s: %v", ds.Bucket, ds.MetadataPrefix, err)
		}
		for _, o := range metas {
			sidecars[o.key] = o
		}
	}
	var docs []object
	for _, o := range objs {
		switch {
		case strings.HasSuffix(o.key, "/"), o.key == ds.GlobalACLFile,
			ds.MetadataPrefix != "" && strings.HasPrefix(o.key, ds.MetadataPrefix):
		case strings.HasSuffix(o.key, sidecarSuffix):
			if ds.MetadataPrefix == "" {
				sidecars[o.key] = o
			}
		default:
			docs = append(docs, o)
		}
	}
	var rules []globalRule
	if ds.AccessControl && ds.GlobalACLFile != "" {
		data, found, err := s.getObject(ctx, ds.Bucket, ds.GlobalACLFile)
		if err != nil {
			return failed(Statistics{}, "Unable to read the global ACL file s3://%s/%s: %v", ds.Bucket, ds.GlobalACLFile, err)
		}
		if found {
			if rules, err = parseGlobalACL(data); err != nil {
				return failed(Statistics{}, "Invalid global ACL file s3://%s/%s: %v", ds.Bucket, ds.GlobalACLFile, err)
			}
		}
	}
	limit := int64(sidecarLimit)
	if in.kb.VectorStore.Type == StorageS3Vectors {
		limit = sidecarLimitS3Vectors
	}

	res := ingestResult{index: map[string]indexedDoc{}}
	var writes []change
	for _, d := range docs {
		if ctx.Err() != nil {
			return failed(res.stats, "The ingestion job was canceled")
		}
		res.stats.NumberOfDocumentsScanned++
		uri := "s3://" + ds.Bucket + "/" + d.key
		entry := indexedDoc{ETag: d.etag}
		var entries []aclEntry
		if sc, ok := sidecars[ds.MetadataPrefix+d.key+sidecarSuffix]; ok {
			res.stats.NumberOfMetadataDocumentsScanned++
			if sc.size <= limit {
				entries, err = s.readSidecar(ctx, ds.Bucket, sc.key)
				if err != nil {
					// A broken sidecar fails the document, not the job; the
					// index keeps what it had.
					res.stats.NumberOfDocumentsFailed++
					res.reasons = append(res.reasons, fmt.Sprintf("Document %s was not indexed: s3://%s/%s: %v", uri, ds.Bucket, sc.key, err))
					if prev, had := in.baseline[d.key]; had {
						res.index[d.key] = prev
					}
					continue
				}
				entry.MetaETag = sc.etag
			}
		}
		if ds.AccessControl && !aclAllowsSomeone(append(entries, globalEntries(rules, uri)...)) {
			continue // deny by default: not indexed (and removed if it was)
		}
		res.index[d.key] = entry
		prev, had := in.baseline[d.key]
		switch {
		case !had:
			writes = append(writes, change{d.key, d.etag, changeNew})
		case prev.ETag != entry.ETag:
			writes = append(writes, change{d.key, d.etag, changeModified})
		case prev.MetaETag != entry.MetaETag:
			writes = append(writes, change{d.key, d.etag, changeMetadata})
		}
	}
	var deletes []string
	for key := range in.baseline {
		if _, kept := res.index[key]; !kept {
			deletes = append(deletes, key)
		}
	}
	sort.Strings(deletes)
	return s.applyToVectorStore(ctx, in, res, writes, deletes)
}

func (s *Server) readSidecar(ctx context.Context, bucket, key string) ([]aclEntry, error) {
	data, found, err := s.getObject(ctx, bucket, key)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, nil // deleted since the listing
	}
	return parseSidecar(data)
}

func (s *Server) listObjects(ctx context.Context, bucket, prefix string) ([]object, error) {
	var out []object
	p := s3.NewListObjectsV2Paginator(s.s3, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, o := range page.Contents {
			out = append(out, object{key: aws.ToString(o.Key), etag: strings.Trim(aws.ToString(o.ETag), `"`), size: aws.ToInt64(o.Size)})
		}
	}
	return out, nil
}

// getObject reads a small object; found is false when it does not exist.
func (s *Server) getObject(ctx context.Context, bucket, key string) (data []byte, found bool, err error) {
	out, err := s.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		if apiCode(err) == "NoSuchKey" {
			return nil, false, nil
		}
		return nil, false, err
	}
	defer out.Body.Close()
	data, err = io.ReadAll(io.LimitReader(out.Body, 1<<20))
	return data, err == nil, err
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}
