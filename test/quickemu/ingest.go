package quickemu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

const sidecarSuffix = ".metadata.json"

// ingestResult is what an ingestion leaves: the index (each ingested
// document with the ACL entries it was ingested with) or the reason it
// failed.
type ingestResult struct {
	outcome     string
	docs        map[string][]aclEntry
	bytes       int64
	notIngested []string // no ACL entry: deny by default
	failed      []string // ACL unreadable
	reasons     []string
}

func (r ingestResult) keys() []string {
	out := make([]string, 0, len(r.docs))
	for k := range r.docs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func failedResult(format string, args ...any) ingestResult {
	return ingestResult{outcome: statusFailed, reasons: []string{fmt.Sprintf(format, args...)}}
}

type object struct {
	key  string
	size int64
}

// ingest reads the knowledge base's documents bucket as Quick does: every
// object under Prefix is a document, except folder markers, metadata files
// and the global ACL file. With access control on, a document is ingested
// only with at least one ACL entry: from the global file (every keyPrefix
// its s3:// URI starts with) or from its sidecar. A document whose sidecar
// is unreadable is left out and makes the ingestion INCOMPLETE; an
// unreadable bucket or global file makes it FAILED.
func (s *Server) ingest(ctx context.Context, kb KnowledgeBase) ingestResult {
	objs, err := s.listObjects(ctx, kb.Bucket, kb.Prefix)
	if err != nil {
		return failedResult("Unable to list s3://%s/%s: %v", kb.Bucket, kb.Prefix, err)
	}
	var rules []globalRule
	if kb.AccessControl == ACLGlobal {
		data, found, err := s.getObject(ctx, kb.Bucket, kb.GlobalACLFile)
		switch {
		case err != nil:
			return failedResult("Unable to read the ACL file s3://%s/%s: %v", kb.Bucket, kb.GlobalACLFile, err)
		case !found:
			return failedResult("The ACL file s3://%s/%s does not exist", kb.Bucket, kb.GlobalACLFile)
		}
		if rules, err = parseGlobalACL(data); err != nil {
			return failedResult("Invalid ACL file s3://%s/%s: %v", kb.Bucket, kb.GlobalACLFile, err)
		}
	}
	var docs []object
	for _, o := range objs {
		if isDocument(kb, o.key) {
			docs = append(docs, o)
		}
	}
	var sidecars []sidecarRead
	if kb.AccessControl == ACLPerDocument {
		sidecars = s.readSidecars(ctx, kb, docs)
	}
	if ctx.Err() != nil {
		return failedResult("The ingestion was cancelled: %v", ctx.Err())
	}
	res := ingestResult{outcome: statusCompleted, docs: map[string][]aclEntry{}}
	for i, o := range docs {
		var entries []aclEntry
		switch kb.AccessControl {
		case ACLGlobal:
			entries = globalEntries(rules, "s3://"+kb.Bucket+"/"+o.key)
		case ACLPerDocument:
			if err := sidecars[i].err; err != nil {
				res.failed = append(res.failed, o.key)
				res.reasons = append(res.reasons, fmt.Sprintf("s3://%s/%s was not ingested: metadata file s3://%s/%s%s%s: %v",
					kb.Bucket, o.key, kb.Bucket, kb.MetadataPrefix, o.key, sidecarSuffix, err))
				continue
			}
			entries = sidecars[i].entries
		}
		if kb.AccessControl != ACLNone && len(entries) == 0 {
			res.notIngested = append(res.notIngested, o.key)
			continue
		}
		res.docs[o.key] = entries
		res.bytes += o.size
	}
	if len(res.failed) > 0 {
		res.outcome = statusIncomplete
	}
	return res
}

// sidecarRead is one document's sidecar: its ACL entries (none when there
// is no sidecar or it holds no AccessControlList) or why it is unreadable.
type sidecarRead struct {
	entries []aclEntry
	err     error
}

// sidecarReaders bounds the concurrent GETs of one ingestion: one at a
// time costs about 9 ms per document on moto, and the server is locked
// while an ingestion reads.
const sidecarReaders = 8

// readSidecars reads the sidecar of each document, in docs' order.
func (s *Server) readSidecars(ctx context.Context, kb KnowledgeBase, docs []object) []sidecarRead {
	out := make([]sidecarRead, len(docs))
	sem := make(chan struct{}, sidecarReaders)
	var wg sync.WaitGroup
	for i, o := range docs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			data, found, err := s.getObject(ctx, kb.Bucket, kb.MetadataPrefix+o.key+sidecarSuffix)
			if err == nil && found {
				out[i].entries, _, err = parseSidecar(data)
			}
			out[i].err = err
		}()
	}
	wg.Wait()
	return out
}

// isDocument tells documents from what Quick reads as configuration.
func isDocument(kb KnowledgeBase, key string) bool {
	switch {
	case strings.HasSuffix(key, "/"), strings.HasSuffix(key, sidecarSuffix):
		return false
	case kb.AccessControl == ACLGlobal && key == kb.GlobalACLFile:
		return false
	case kb.MetadataPrefix != "" && strings.HasPrefix(key, kb.MetadataPrefix):
		return false
	}
	return true
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
			out = append(out, object{key: aws.ToString(o.Key), size: aws.ToInt64(o.Size)})
		}
	}
	return out, nil
}

// getObject reads a small object; found is false when it does not exist.
func (s *Server) getObject(ctx context.Context, bucket, key string) (data []byte, found bool, err error) {
	out, err := s.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) && ae.ErrorCode() == "NoSuchKey" {
			return nil, false, nil
		}
		return nil, false, err
	}
	defer out.Body.Close()
	data, err = io.ReadAll(io.LimitReader(out.Body, 1<<20))
	return data, err == nil, err
}
