package aclsync

import (
	"context"
	"maps"
	"slices"

	"github.com/kbwarden/kbwarden/internal/acl"
)

// sidecars plans PerDocument mode: for each document, nothing when its
// sidecar's listed ETag is the one recorded with the wanted ACL; a create
// when it has none; a read (then a write only if the ACL is wrong) when its
// ETag is new to kbwarden or the rules changed its ACL. Then orphans.
func (p *pass) sidecars() {
	format, limit := p.t.Policy.Format(), p.t.SizeLimit
	for _, doc := range slices.Sorted(maps.Keys(p.l.docs)) {
		want := p.t.Policy.ForKey(doc)
		key, err := acl.SidecarKey(doc, p.t.MetadataPrefix)
		if err != nil {
			p.problem(doc, OverLimit, err.Error())
			continue
		}
		wh := hashACL(want)
		etag, exists := p.l.sidecars[key]
		prev, known := p.st.entries[key]
		current := known && exists && sameETag(prev.ETag, etag)
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
				newETag, err := p.put(ctx, key, out, "")
				if err != nil {
					p.failed(key, err)
					return
				}
				p.done(key, wh, &entry{ETag: newETag, ACL: wh, Created: true}, true, false)
			})
			continue
		}
		drifted := known && !sameETag(prev.ETag, etag)
		p.tasks = append(p.tasks, func(ctx context.Context) { p.update(ctx, doc, key, want, wh, prev, drifted) })
	}
	p.orphans()
}

// update reads an existing sidecar and, when its ACL is not the wanted
// one, rewrites it keeping every other field, conditionally on the ETag read.
func (p *pass) update(ctx context.Context, doc, key string, want acl.ACL, wh string, prev entry, drifted bool) {
	body, etag, err := p.get(ctx, key)
	if err != nil {
		p.failed(key, err)
		return
	}
	out, changed, err := acl.RenderSidecar(body, want, p.t.Policy.Format(), p.t.SizeLimit)
	if err != nil {
		kind, skipFor := classify(err), ""
		if kind == OverLimit {
			skipFor = wh
		}
		p.record(key, entry{ETag: etag, Created: prev.Created, Skip: err.Error(), SkipKind: kind, SkipFor: skipFor})
		p.problem(problemKey(doc, key, kind), kind, err.Error())
		return
	}
	if !changed {
		p.done(key, wh, &entry{ETag: etag, ACL: wh, Created: prev.Created}, false, false)
		return
	}
	if p.t.Observe {
		cur, _ := acl.ParseSidecarACL(body, p.t.Policy.Format())
		p.record(key, entry{ETag: etag, ACL: hashACL(cur), Created: prev.Created})
		p.pending(key)
		return
	}
	if prev.Created && string(out) == "{}" {
		// kbwarden's own file with nothing left to say: remove it.
		p.removeOwned(ctx, key, etag)
		return
	}
	newETag, err := p.put(ctx, key, out, etag)
	if err != nil {
		p.failed(key, err)
		return
	}
	p.done(key, wh, &entry{ETag: newETag, ACL: wh, Created: prev.Created}, true, drifted)
}

// removeOwned deletes a sidecar kbwarden created (conditionally on etag),
// forgets it, and counts the deletion as a write of this pass.
func (p *pass) removeOwned(ctx context.Context, key, etag string) {
	if err := p.remove(ctx, key, etag); err != nil {
		p.failed(key, err)
		return
	}
	p.mu.Lock()
	p.st.drop(key)
	p.res.Written++
	p.mu.Unlock()
}

// orphans handles sidecars whose document is gone: removed when kbwarden
// created them and nobody changed them since, otherwise left and reported.
func (p *pass) orphans() {
	for _, key := range slices.Sorted(maps.Keys(p.l.sidecars)) {
		doc, _ := acl.DocumentKeyOf(key, p.t.MetadataPrefix)
		if _, ok := p.l.docs[doc]; ok {
			continue
		}
		etag := p.l.sidecars[key]
		prev, known := p.st.entries[key]
		switch {
		case !known || !prev.Created:
			p.problem(key, Orphan, "its document is gone; left because kbwarden did not create it")
		case !sameETag(prev.ETag, etag):
			p.problem(key, Orphan, "its document is gone; left because it changed since kbwarden wrote it")
		case p.t.Observe:
			p.pending(key)
		default:
			p.tasks = append(p.tasks, func(ctx context.Context) { p.removeOwned(ctx, key, etag) })
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
