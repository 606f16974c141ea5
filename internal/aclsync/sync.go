package aclsync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/acl"
	"github.com/kbwarden/kbwarden/internal/awserr"
)

// DefaultConcurrency bounds the S3 calls of one pass running at once.
const DefaultConcurrency = 16

// Syncer runs passes and keeps each KnowledgeBase's manifest in memory
// between them. It is safe for concurrent use by different KnowledgeBases;
// passes of the same KnowledgeBase must not overlap (controller-runtime
// never reconciles one object twice at once).
type Syncer struct {
	// Concurrency bounds the S3 calls in flight; 0 means DefaultConcurrency.
	Concurrency int

	mu     sync.Mutex
	states map[string]*state
}

func stateKey(t *Target) string { return t.Owner + "\x00" + t.Bucket }

func (s *Syncer) stateFor(t *Target, where location) *state {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.states == nil {
		s.states = map[string]*state{}
	}
	k := stateKey(t)
	if s.states[k] == nil {
		s.states[k] = newState(where)
	}
	return s.states[k]
}

func (s *Syncer) forget(t *Target) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.states, stateKey(t))
}

// Forget drops what the Syncer holds in memory for owner ("namespace.name"),
// in every bucket: the caller calls it when the KnowledgeBase is gone, so
// the manifest of a deleted KnowledgeBase (megabytes at 100,000 documents)
// does not stay cached for the life of the process.
func (s *Syncer) Forget(owner string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.states {
		if strings.HasPrefix(k, owner+"\x00") {
			delete(s.states, k)
		}
	}
}

// Sync runs one pass. Listing and manifest errors are returned as the SDK
// gave them (wrapped), for the caller to classify; a failed write does not
// stop the other files, and the first such error is returned after the
// pass recorded what it did. A bookkeeping location inside the data source
// is a *BookkeepingInScopeError, returned before anything is listed.
//
// When the layout changed (mode, bucket, prefix, metadataPrefix, global
// file or format), the files of the old layout are taken out first (see
// retire); the new layout is written only once they all are settled.
func (s *Syncer) Sync(ctx context.Context, api S3API, t Target) (*Result, error) {
	if t.Mode == kbv1.AccessControlNone || t.Mode == "" {
		l, err := list(ctx, api, &t, nil, nil)
		if err != nil {
			return nil, err
		}
		return &Result{Documents: len(l.docs), Fingerprint: fingerprint(l.docs)}, nil
	}
	if t.Policy == nil {
		return nil, errors.New("aclsync: no compiled policy")
	}
	book, err := bookkeeping(&t)
	if err != nil {
		return nil, err
	}
	st := s.stateFor(&t, book)
	p := &pass{syncer: s, api: api, t: &t, st: st, res: &Result{}}
	if err := p.listAndLoad(ctx, book); err != nil {
		s.forget(&t)
		return nil, err
	}
	cur := layoutOf(&t)
	if keys := p.retiringKeys(cur); len(keys) > 0 {
		bucket, format := t.Bucket, t.Policy.Format()
		if st.layout != nil {
			bucket, format = st.layout.Bucket, st.layout.Format
		}
		p.retireAll(keys, bucket, format)
		p.run(ctx)
		if p.blocked {
			return p.finish(ctx, book)
		}
		if p.res.Retired > 0 { // the old files may have shared keys with the new: look again
			p.l, err = list(ctx, api, &t, &book, nil)
			if err != nil {
				return nil, err
			}
		}
	}
	if !t.Observe {
		for _, k := range p.retained {
			cur.retain(k)
		}
		if st.layout != nil {
			for _, k := range st.layout.Retained {
				cur.retain(k)
			}
		}
		st.setLayout(cur)
	}
	p.notDocuments()
	p.plan()
	p.run(ctx)
	return p.finish(ctx, book)
}

// listAndLoad lists the buckets and brings the manifest up to date,
// reading it from the old default location (and moving it) when the
// bookkeeping location has none yet.
func (p *pass) listAndLoad(ctx context.Context, book location) error {
	var legacy *location
	if old := legacyLocation(p.t); old != book && !p.st.legacyGone {
		legacy = &old
	}
	l, err := list(ctx, p.api, p.t, &book, legacy)
	if err != nil {
		return err
	}
	p.l = l
	leftovers, found, err := p.st.load(ctx, p.api, book, l.manifest)
	if err != nil {
		return fmt.Errorf("reading kbwarden's manifest: %w", err)
	}
	p.leftovers = leftovers
	if legacy != nil && len(l.legacy) > 0 {
		if !found {
			old := newState(*legacy)
			if _, _, err := old.load(ctx, p.api, *legacy, l.legacy); err != nil {
				return fmt.Errorf("reading kbwarden's manifest at its old location: %w", err)
			}
			p.st.adopt(old)
		}
		for _, o := range l.legacy {
			p.migrated = append(p.migrated, o.key)
		}
	} else if legacy != nil {
		p.st.legacyGone = true
	}
	return nil
}

// plan drops what is gone, excludes from the documents every file of
// kbwarden's (old global files included), and plans the layout's files.
func (p *pass) plan() {
	t, l, st := p.t, p.l, p.st
	global := t.Mode == kbv1.AccessControlGlobal
	for k := range st.entries {
		listed := l.sidecars.has(k)
		if global {
			listed = k == t.GlobalFile && l.global.key != ""
		}
		if !listed && !retires(k, st.layout, layoutOf(t)) {
			st.drop(k) // the file is gone; nothing to remember
		}
	}
	for _, d := range l.docs {
		if !t.Policy.ForKey(d.key).Reachable() {
			p.res.Unreachable = append(p.res.Unreachable, d.key)
		}
	}
	if global {
		p.global()
	} else {
		p.sidecars()
	}
}

// notDocuments removes from the documents every key that is an ACL file
// of kbwarden's: one its manifest records (an old layout's global file) or
// an old global file it left in place. None of them may get a sidecar.
func (p *pass) notDocuments() {
	p.l.docs = slices.DeleteFunc(p.l.docs, func(o object) bool {
		if _, known := p.st.entries[o.key]; known || slices.Contains(p.retained, o.key) {
			return true
		}
		return p.st.layout != nil && slices.Contains(p.st.layout.Retained, o.key)
	})
}

// finish fills the result in and, unless observing, saves the manifest and
// deletes the leftover and moved shards.
func (p *pass) finish(ctx context.Context, book location) (*Result, error) {
	res := p.res
	p.notDocuments()
	res.Documents, res.Fingerprint = len(p.l.docs), fingerprint(p.l.docs)
	if res.LayoutChangePending = p.blocked; !p.blocked {
		res.ACLHash = p.aclHash()
	}
	slices.SortFunc(res.Problems, func(a, b Problem) int { return strings.Compare(a.Key, b.Key) })
	slices.Sort(res.Pending)
	if p.t.Observe {
		return res, p.err
	}
	obsolete, err := p.st.save(ctx, p.api)
	if err != nil {
		return res, errors.Join(p.err, err)
	}
	for _, key := range append(p.leftovers, obsolete...) {
		if _, err := p.api.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &book.bucket, Key: &key}); err != nil {
			return res, errors.Join(p.err, err)
		}
	}
	if len(p.migrated) > 0 {
		old := legacyLocation(p.t)
		for _, key := range p.migrated {
			if _, err := p.api.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &old.bucket, Key: &key}); err != nil {
				return res, errors.Join(p.err, err)
			}
		}
		p.st.legacyGone = true
	}
	return res, p.err
}

// fingerprint hashes the sorted document keys and ETags.
func fingerprint(docs objects) string {
	h := sha256.New()
	for _, d := range docs {
		fmt.Fprintf(h, "%s\x00%s\n", d.key, strings.Trim(expandETag(d.etag), `"`))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// hashACL is a short stable hash of a normalised ACL, "" for none.
func hashACL(a acl.ACL) string {
	if len(a) == 0 {
		return ""
	}
	data, _ := json.Marshal(acl.NewACL(a...))
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}

// isPrecondition reports a failed If-Match / If-None-Match (or a concurrent
// conditional write): the file changed under kbwarden.
func isPrecondition(err error) bool {
	c := awserr.Code(err)
	return c == "PreconditionFailed" || c == "ConditionalRequestConflict"
}
