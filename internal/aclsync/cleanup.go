package aclsync

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
)

// Cleanup takes out what kbwarden wrote for a KnowledgeBase being deleted
// (deletionPolicy Delete), by the rule of retire: a file still wholly
// kbwarden's (its live ETag is the one kbwarden's own PUT returned) is
// deleted; a sidecar someone edited is theirs, and only kbwarden's ACL
// field is stripped from it; anything else is left and returned in left.
// Then the manifest goes (at both its locations). Documents are never
// touched, and no document listing is needed: every request is conditional.
//
// removed counts the files deleted or stripped. When a file could not be
// settled (it changed meanwhile, or a request failed) the manifest is kept
// as it was and an error is returned, for the caller to retry: a retry is
// harmless, since a file already deleted or stripped is then simply done.
// The Syncer forgets the KnowledgeBase in every case.
func (s *Syncer) Cleanup(ctx context.Context, api S3API, t Target) (removed int, left []Problem, err error) {
	defer s.Forget(t.Owner)
	t.Observe = false // deletionPolicy Delete is an order, whatever the drift policy
	legacy := legacyLocation(&t)
	book, berr := bookkeeping(&t)
	if berr != nil {
		book = legacy // nothing was ever written at an invalid location
	}
	st := newState(book)
	p := &pass{syncer: s, api: api, t: &t, st: st, res: &Result{}}
	type shard struct{ bucket, key string }
	var shards []shard // every manifest object
	for _, loc := range slices.Compact([]location{book, legacy}) {
		var listed objects
		if err := listPrefix(ctx, api, loc.bucket, loc.dir, 0, func(o object) { listed = append(listed, o) }); err != nil {
			return 0, nil, err
		}
		for _, o := range listed {
			shards = append(shards, shard{loc.bucket, o.key})
		}
		if len(st.entries) > 0 || len(listed) == 0 {
			continue
		}
		from := newState(loc)
		if _, _, err := from.load(ctx, api, loc, listed.sorted()); err != nil {
			return 0, nil, fmt.Errorf("reading kbwarden's manifest: %w", err)
		}
		st.adopt(from)
	}
	bucket, format := t.Bucket, kbv1.ACLFormatQuick
	if t.Policy != nil {
		format = t.Policy.Format()
	}
	if st.layout != nil {
		bucket, format = st.layout.Bucket, st.layout.Format
	}
	p.retireAll(slices.Collect(maps.Keys(st.entries)), bucket, format)
	p.run(ctx)
	for _, pr := range p.res.Problems {
		if pr.Kind == Orphan {
			left = append(left, pr)
		}
	}
	if p.blocked || p.err != nil {
		return p.res.Retired, left, errors.Join(p.err, errors.New("some ACL files could not be removed yet; retry"))
	}
	for _, sh := range shards {
		if _, err := api.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(sh.bucket), Key: aws.String(sh.key)}); err != nil {
			return p.res.Retired, left, fmt.Errorf("removing kbwarden's manifest: %w", err)
		}
	}
	return p.res.Retired, left, nil
}
