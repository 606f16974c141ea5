package bedrockemu

import (
	"context"
	"fmt"
)

// applyToVectorStore writes the changed embeddings and removes the deleted
// ones, as Bedrock's service principal.
//
// Writes are authorized before any is made: when Bedrock cannot write to
// the vector store the whole job FAILS with the access denied reason (the
// runbook's incident) and nothing is indexed. A job with nothing to write
// never touches the store, so it COMPLETEs whatever the policy says, like
// the real service. Deletions that the policy refuses fail only their
// documents (DeleteObject is "optional but recommended" in the runbook):
// the job still COMPLETEs, with failureReasons, and the documents stay in
// the index so the next job retries.
func (s *Server) applyToVectorStore(ctx context.Context, in ingestInput, res ingestResult, writes []change, deletes []string) ingestResult {
	if len(writes) == 0 && len(deletes) == 0 {
		res.status = StatusComplete
		return res
	}
	store, err := s.openVectorStore(ctx, in)
	if err != nil {
		res.stats.NumberOfDocumentsFailed += int64(len(writes))
		return failed(res.stats, "%v", err)
	}
	for _, c := range writes {
		if reason := store.authorize(c.key, false); reason != "" {
			res.stats.NumberOfDocumentsFailed += int64(len(writes))
			return failed(res.stats, "%s", reason)
		}
	}
	for _, c := range writes {
		if ctx.Err() != nil {
			return failed(res.stats, "The ingestion job was canceled")
		}
		if err := store.put(ctx, c); err != nil {
			res.stats.NumberOfDocumentsFailed++
			return failed(res.stats, "Unable to write the embedding of s3://%s/%s: %v", in.ds.Bucket, c.key, err)
		}
		switch c.kind {
		case changeNew:
			res.stats.NumberOfNewDocumentsIndexed++
		case changeModified:
			res.stats.NumberOfModifiedDocumentsIndexed++
		case changeMetadata:
			res.stats.NumberOfMetadataDocumentsModified++
		}
	}
	for _, key := range deletes {
		reason := store.authorize(key, true)
		if reason == "" {
			if err := store.remove(ctx, key); err != nil {
				reason = fmt.Sprintf("Unable to delete the embedding of s3://%s/%s: %v", in.ds.Bucket, key, err)
			}
		}
		if reason != "" {
			res.stats.NumberOfDocumentsFailed++
			res.reasons = append(res.reasons, reason)
			res.index[key] = in.baseline[key]
			continue
		}
		res.stats.NumberOfDocumentsDeleted++
	}
	res.status = StatusComplete
	return res
}
