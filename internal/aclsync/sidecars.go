package aclsync

import (
	"context"

	"github.com/kbwarden/kbwarden/internal/acl"
)

// sidecars plans PerDocument mode: for each document, nothing when its
// sidecar's listed ETag is the one recorded with the wanted ACL; a create
// when it has none; a read (then a write only if the ACL is wrong) when its
// ETag is new to kbwarden or the rules changed its ACL. Then orphans.
func (p *pass) sidecars() {
	format, limit := p.t.Policy.Format(), p.t.SizeLimit
	readLimit := sidecarReadLimit(p.t)
	for _, d := range p.l.docs {
		doc := d.key
		want := p.t.Policy.ForKey(doc)
		key, err := acl.SidecarKey(doc, p.t.MetadataPrefix)
		if err != nil {
			p.problem(doc, OverLimit, err.Error())
			continue
		}
		wh := hashACL(want)
		live, exists := p.l.sidecars.find(key)
		prev, known := p.st.entries[key]
		current := known && exists && sameETag(prev.ETag, live.etag)
		switch {
		case current && prev.Skip != "" && (prev.SkipFor == "" || prev.SkipFor == wh):
			p.problem(problemKey(doc, key, prev.SkipKind), prev.SkipKind, prev.Skip)
			continue
		case current && prev.Skip == "" && prev.ACL == wh:
			p.done(key, wh, nil, false, false)
			continue
		case current && prev.Skip == "" && p.t.Observe:
			p.pending(key) // known content, wrong ACL: no need to read it again
			continue
		case !exists && len(want) == 0:
			p.done(key, "", nil, false, false) // deny by default needs no file
			continue
		case !exists:
			out, _, err := acl.RenderSidecar(nil, want, format, limit)
			if err != nil {
				p.problem(doc, classify(err), err.Error())
				continue
			}
			if p.t.Observe {
				p.pending(key)
				continue
			}
			p.tasks = append(p.tasks, func(ctx context.Context) {
				newETag, err := p.put(ctx, p.t.Bucket, key, out, "")
				if err != nil {
					p.failed(key, err)
					return
				}
				p.done(key, wh, &entry{ETag: newETag, ACL: wh, Own: newETag}, true, false)
			})
			continue
		case live.size > readLimit:
			// The service skips it; reading it could exhaust memory.
			msg := "the existing sidecar " + (&tooLargeError{Size: live.size, Limit: readLimit}).Error() + ", and the service skips sidecars that large"
			p.record(key, entry{ETag: live.etag, Own: prev.Own, Legacy: prev.Legacy, Skip: msg, SkipKind: OverLimit})
			p.problem(doc, OverLimit, msg)
			continue
		}
		drifted := known && !sameETag(prev.ETag, live.etag)
		p.tasks = append(p.tasks, func(ctx context.Context) { p.update(ctx, doc, key, want, wh, prev, drifted) })
	}
	p.orphans()
}

// update reads an existing sidecar and, when its ACL is not the wanted
// one, rewrites it keeping every other field, conditionally on the ETag read.
//
// Ownership moves only with kbwarden's own writes: an ETag kbwarden reads
// is recorded as what it knows (ETag), never as its own (Own). Carrying
// "created" forward to a read ETag is what once made a sidecar someone
// edited (a Title added, the ACL kept) look like kbwarden's own file, to be
// deleted on cleanup with the editor's fields.
func (p *pass) update(ctx context.Context, doc, key string, want acl.ACL, wh string, prev entry, drifted bool) {
	format := p.t.Policy.Format()
	body, etag, err := getBounded(ctx, p.api, p.t.Bucket, key, sidecarReadLimit(p.t))
	if err != nil && !isTooLarge(err) {
		p.failed(key, err)
		return
	}
	out, changed := []byte(nil), false
	if err == nil {
		out, changed, err = acl.RenderSidecar(body, want, format, p.t.SizeLimit)
	}
	if err != nil {
		kind, skipFor := classify(err), ""
		if kind == OverLimit {
			skipFor = wh
		}
		if etag != "" {
			p.record(key, entry{ETag: etag, Own: prev.Own, Legacy: prev.Legacy, Skip: err.Error(), SkipKind: kind, SkipFor: skipFor})
		}
		p.problem(problemKey(doc, key, kind), kind, err.Error())
		return
	}
	if !changed {
		p.done(key, wh, &entry{ETag: etag, ACL: wh, Own: prev.Own, Legacy: prev.Legacy}, false, false)
		return
	}
	if p.t.Observe {
		cur, _ := acl.ParseSidecarACL(body, format)
		p.record(key, entry{ETag: etag, ACL: hashACL(cur), Own: prev.Own, Legacy: prev.Legacy})
		p.pending(key)
		return
	}
	own := sameETag(prev.Own, etag) || prev.Legacy && whollyKbwarden(body, format)
	if own && string(out) == "{}" {
		// kbwarden's own file with nothing left to say: remove it.
		p.removeOwned(ctx, key, etag)
		return
	}
	newETag, err := p.put(ctx, p.t.Bucket, key, out, etag)
	if err != nil {
		p.failed(key, err)
		return
	}
	e := entry{ETag: newETag, ACL: wh}
	if own {
		e.Own = newETag
	}
	p.done(key, wh, &e, true, drifted)
}

// removeOwned deletes a sidecar that is wholly kbwarden's (conditionally on
// etag), forgets it, and counts the deletion as a write of this pass.
func (p *pass) removeOwned(ctx context.Context, key, etag string) {
	if err := p.remove(ctx, p.t.Bucket, key, etag); err != nil {
		p.failed(key, err)
		return
	}
	p.forgetFile(key, true)
}

// orphans handles sidecars whose document is gone: removed when they are
// wholly kbwarden's (the live ETag is that of kbwarden's own PUT),
// otherwise left and reported.
func (p *pass) orphans() {
	format := p.t.Policy.Format()
	for _, sc := range p.l.sidecars {
		key, etag := sc.key, sc.etag
		doc, _ := acl.DocumentKeyOf(key, p.t.MetadataPrefix)
		if p.l.docs.has(doc) {
			continue
		}
		prev, known := p.st.entries[key]
		switch {
		case !known || prev.Own == "" && !prev.Legacy:
			p.problem(key, Orphan, "its document is gone; left because kbwarden did not create it")
		case sameETag(prev.Own, etag) && p.t.Observe:
			p.pending(key)
		case sameETag(prev.Own, etag):
			p.tasks = append(p.tasks, func(ctx context.Context) { p.removeOwned(ctx, key, etag) })
		case prev.Legacy && sameETag(prev.ETag, etag) && sc.size <= sidecarReadLimit(p.t):
			p.tasks = append(p.tasks, func(ctx context.Context) {
				body, read, err := getBounded(ctx, p.api, p.t.Bucket, key, sidecarReadLimit(p.t))
				switch {
				case err != nil:
					p.failed(key, err)
				case !whollyKbwarden(body, format):
					p.record(key, entry{ETag: read, ACL: prev.ACL})
					p.problem(key, Orphan, "its document is gone; left because it holds fields kbwarden did not write")
				case p.t.Observe:
					p.pending(key)
				default:
					p.removeOwned(ctx, key, read)
				}
			})
		default:
			p.problem(key, Orphan, "its document is gone; left because it changed since kbwarden wrote it")
		}
	}
}

// problemKey reports over-limit problems by document key (the document is
// what lacks an ACL) and the others by the sidecar's key (the file to fix).
func problemKey(doc, sidecar string, kind ProblemKind) string {
	if kind == OverLimit {
		return doc
	}
	return sidecar
}
