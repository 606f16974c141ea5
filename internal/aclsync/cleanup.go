package aclsync

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
)

// Cleanup removes what kbwarden wrote for a KnowledgeBase being deleted
// (deletionPolicy Delete): the sidecars it created and the global file it
// wrote, each only if its ETag is still the one kbwarden recorded (so
// nobody's later edit is lost; the delete is conditional too), then the
// manifest. Documents and files kbwarden did not create are never touched;
// the files left are returned as problems.
func (s *Syncer) Cleanup(ctx context.Context, api S3API, t Target) (removed int, left []Problem, err error) {
	l, err := list(ctx, api, &t)
	if err != nil {
		return 0, nil, err
	}
	st := s.stateFor(&t)
	defer s.forget(&t)
	dir := bookkeepingDir(t.Owner)
	leftovers, err := st.load(ctx, api, t.Bucket, dir, l.manifest)
	if err != nil {
		return 0, nil, fmt.Errorf("reading kbwarden's manifest: %w", err)
	}
	for _, key := range slices.Sorted(maps.Keys(st.entries)) {
		e := st.entries[key]
		etag, listed := l.sidecars[key]
		isGlobal := t.Mode == kbv1.AccessControlGlobal && key == t.GlobalFile
		if isGlobal {
			etag, listed = l.global, l.global != ""
		}
		switch {
		case !listed:
			continue
		case !sameETag(etag, e.ETag) || e.Skip != "":
			left = append(left, Problem{Key: key, Kind: Orphan, Detail: "left: it changed since kbwarden wrote it"})
			continue
		case !e.Created && !isGlobal:
			continue // someone else's sidecar that kbwarden only edited
		}
		_, err := api.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &t.Bucket, Key: aws.String(key), IfMatch: aws.String(etag)})
		switch {
		case isPrecondition(err):
			left = append(left, Problem{Key: key, Kind: Changed, Detail: "left: it changed while kbwarden was removing it"})
		case err != nil:
			return removed, left, err
		default:
			removed++
		}
	}
	_ = leftovers // every manifest object, leftovers included, is in l.manifest
	for _, key := range slices.Sorted(maps.Keys(l.manifest)) {
		if _, err := api.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &t.Bucket, Key: aws.String(key)}); err != nil {
			return removed, left, fmt.Errorf("removing kbwarden's manifest: %w", err)
		}
	}
	return removed, left, nil
}
