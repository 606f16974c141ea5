package aclsync

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"

	"github.com/kbwarden/kbwarden/internal/acl"
)

// global plans the global file. kbwarden writes it only when it is absent
// (creating it), or when it is a global ACL file kbwarden wrote: one its
// manifest records (at this ETag, or at an earlier one and still parseable
// as a global ACL file, which is drift kbwarden repairs). Any other object
// at the key (a document, a file someone else wrote) is read once, before
// kbwarden's first write, and reported as NotOwned: never overwritten,
// never deleted. Steady state reads nothing: the listed ETag is the one
// recorded, or the MD5 of the wanted bytes (what S3 gives a single-part
// upload).
func (p *pass) global() {
	key, want, h := p.t.GlobalFile, p.t.Policy.GlobalFile(), p.t.Policy.Hash()
	live := p.l.global
	prev, known := p.st.entries[key]
	current := known && live.key != "" && sameETag(prev.ETag, live.etag)
	sum := md5.Sum(want)
	switch {
	case live.key == "":
		if p.t.Observe {
			p.pending(key)
			return
		}
		p.tasks = append(p.tasks, func(ctx context.Context) {
			newETag, err := p.put(ctx, p.t.Bucket, key, want, "")
			if err != nil {
				p.failed(key, err)
				return
			}
			p.done(key, h, &entry{ETag: newETag, ACL: h, Own: newETag}, true, false)
		})
	case current && prev.Skip != "":
		p.problem(key, prev.SkipKind, prev.Skip)
	case current && prev.ACL == h:
		p.done(key, h, nil, false, false)
	case sameETag(live.etag, hex.EncodeToString(sum[:])):
		// Exactly the bytes kbwarden renders (its own write, perhaps not
		// recorded by a controller killed before saving the manifest).
		p.done(key, h, &entry{ETag: live.etag, ACL: h, Own: prev.Own, Legacy: prev.Legacy}, false, false)
	case current && p.t.Observe:
		p.pending(key)
	case current:
		// kbwarden's file, known content, rules changed: no need to read it.
		p.tasks = append(p.tasks, func(ctx context.Context) { p.rewriteGlobal(ctx, key, want, h, live.etag, prev, false) })
	case live.size > maxGlobalFileBytes:
		p.notOwned(key, live.etag, prev, (&tooLargeError{Size: live.size, Limit: maxGlobalFileBytes}).Error())
	default:
		mine := known && (prev.Skip == "" || prev.Own != "" || prev.Legacy)
		p.tasks = append(p.tasks, func(ctx context.Context) { p.checkGlobal(ctx, key, want, h, prev, mine) })
	}
}

// checkGlobal reads an object at the global file's key that kbwarden does
// not know at this ETag, and rewrites it only if it is a global ACL file
// kbwarden wrote before.
func (p *pass) checkGlobal(ctx context.Context, key string, want []byte, h string, prev entry, mine bool) {
	body, etag, err := getBounded(ctx, p.api, p.t.Bucket, key, maxGlobalFileBytes)
	switch {
	case isTooLarge(err):
		p.notOwned(key, "", prev, err.Error())
		return
	case err != nil:
		p.failed(key, err)
		return
	}
	if err := acl.ParseGlobalFile(body); err != nil {
		p.notOwned(key, etag, prev, err.Error())
		return
	}
	switch {
	case bytes.Equal(body, want):
		p.done(key, h, &entry{ETag: etag, ACL: h, Own: prev.Own, Legacy: prev.Legacy}, false, false)
	case !mine:
		p.notOwned(key, etag, prev, "it is a global ACL file kbwarden did not write")
	case p.t.Observe:
		p.pending(key)
	default:
		p.rewriteGlobal(ctx, key, want, h, etag, prev, true)
	}
}

// rewriteGlobal replaces kbwarden's global file, conditionally on etag.
// The object stays kbwarden's own when kbwarden created it: a global file
// holds nothing but the ACL, so nobody else's content survives the write.
func (p *pass) rewriteGlobal(ctx context.Context, key string, want []byte, h, etag string, prev entry, repaired bool) {
	newETag, err := p.put(ctx, p.t.Bucket, key, want, etag)
	if err != nil {
		p.failed(key, err)
		return
	}
	own := ""
	if prev.Own != "" || prev.Legacy {
		own = newETag
	}
	p.done(key, h, &entry{ETag: newETag, ACL: h, Own: own}, true, repaired)
}

// notOwned records and reports an object at the global file's key that is
// not a global ACL file kbwarden wrote; etag "" records nothing (the size
// alone, checked again next pass, says so).
func (p *pass) notOwned(key, etag string, prev entry, why string) {
	detail := fmt.Sprintf("s3://%s/%s is not a global ACL file kbwarden wrote (%s); kbwarden never overwrites or deletes it: remove it or choose another globalFile",
		p.t.Bucket, key, why)
	if etag != "" {
		p.record(key, entry{ETag: etag, Own: prev.Own, Legacy: prev.Legacy, Skip: detail, SkipKind: NotOwned})
	}
	p.problem(key, NotOwned, detail)
}
