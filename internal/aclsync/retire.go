package aclsync

import (
	"context"
	"maps"
	"slices"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/acl"
	"github.com/kbwarden/kbwarden/internal/awserr"
)

// retireAll plans, for each key, taking kbwarden's ACL out of an ACL file
// it no longer wants (a file of an earlier layout, or every file on
// Cleanup): see retire. The files are in bucket, sidecars in format.
func (p *pass) retireAll(keys []string, bucket string, format kbv1.ACLFormat) {
	slices.Sort(keys)
	for _, key := range keys {
		e := p.st.entries[key]
		if p.t.MayTouch != nil && !p.t.MayTouch(bucket, key) {
			p.retired(key, false) // outside the grant: never touched, only forgotten
			continue
		}
		if p.t.Observe {
			p.pending(key)
			continue
		}
		p.tasks = append(p.tasks, func(ctx context.Context) { p.retire(ctx, bucket, key, e, format) })
	}
}

// retire takes kbwarden's ACL out of one file, by the ownership rule:
//   - a file that is wholly kbwarden's (its live ETag is still the one
//     kbwarden's own PUT returned) is deleted, conditionally on that ETag,
//     so no request is needed to find out;
//   - any other sidecar belongs to whoever edited it: kbwarden strips only
//     its ACL field from it (writing what is left, {} included), and leaves
//     it when the field is not there;
//   - any other global file, or a file kbwarden cannot parse, is left and
//     reported.
//
// The entry is forgotten once the file is settled; a file that changed
// while kbwarden was at it keeps its entry and blocks the pass (retried).
func (p *pass) retire(ctx context.Context, bucket, key string, e entry, format kbv1.ACLFormat) {
	if e.SkipKind == NotOwned && e.Own == "" && !e.Legacy {
		p.retired(key, false) // never kbwarden's: nothing to take out
		return
	}
	if e.Own != "" {
		err := p.remove(ctx, bucket, key, e.Own)
		switch {
		case err == nil:
			p.retired(key, true)
			return
		case awserr.Code(err) == "NoSuchKey":
			p.retired(key, false)
			return
		case !isPrecondition(err):
			p.retryLater(key, err)
			return
		}
		// Someone changed it since kbwarden's PUT: it is theirs now.
	}
	limit := max(sidecarReadLimit(p.t), maxGlobalFileBytes)
	body, etag, err := getBounded(ctx, p.api, bucket, key, limit)
	switch {
	case awserr.Code(err) == "NoSuchKey":
		p.retired(key, false)
		return
	case isTooLarge(err):
		p.leftBehind(key, "left: "+err.Error())
		return
	case err != nil:
		p.retryLater(key, err)
		return
	}
	if e.Legacy && whollyKbwarden(body, format) {
		p.retireRemove(ctx, bucket, key, etag)
		return
	}
	if acl.ParseGlobalFile(body) == nil {
		p.mu.Lock()
		p.retained = append(p.retained, key)
		p.mu.Unlock()
		p.leftBehind(key, "left: a global ACL file someone changed since kbwarden wrote it")
		return
	}
	out, changed, err := acl.RenderSidecar(body, nil, format, int(limit))
	switch {
	case err != nil:
		p.leftBehind(key, "left: kbwarden cannot remove its ACL field from it: "+err.Error())
		return
	case !changed:
		p.retired(key, false) // nothing of kbwarden's is left in it
		return
	}
	if _, err := p.put(ctx, bucket, key, out, etag); err != nil {
		p.retryLater(key, err)
		return
	}
	p.retired(key, true)
}

func (p *pass) retireRemove(ctx context.Context, bucket, key, etag string) {
	if err := p.remove(ctx, bucket, key, etag); err != nil && awserr.Code(err) != "NoSuchKey" {
		p.retryLater(key, err)
		return
	}
	p.retired(key, true)
}

// retired forgets a settled file; wrote says kbwarden removed or rewrote it.
func (p *pass) retired(key string, wrote bool) {
	p.forgetFile(key, wrote)
	if wrote {
		p.mu.Lock()
		p.res.Retired++
		p.mu.Unlock()
	}
}

// leftBehind forgets a file that is someone else's now, and reports it.
func (p *pass) leftBehind(key, detail string) {
	p.forgetFile(key, false)
	p.problem(key, Orphan, detail)
}

// retryLater keeps the entry of a file that could not be settled, and
// blocks the new layout until a later pass settles it.
func (p *pass) retryLater(key string, err error) {
	p.failed(key, err)
	p.mu.Lock()
	p.blocked = true
	p.mu.Unlock()
}

// retiringKeys returns the entries that are not files of cur.
func (p *pass) retiringKeys(cur layout) []string {
	var keys []string
	for _, k := range slices.Sorted(maps.Keys(p.st.entries)) {
		if retires(k, p.st.layout, cur) {
			keys = append(keys, k)
		}
	}
	return keys
}
