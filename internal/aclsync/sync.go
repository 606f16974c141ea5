package aclsync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
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

// Target is what one pass keeps in sync: the documents bucket and prefix of
// one KnowledgeBase and its compiled rules.
type Target struct {
	// Bucket and Prefix locate the documents.
	Bucket, Prefix string
	// Owner names the KnowledgeBase as "<namespace>.<name>"; it names the
	// bookkeeping folder, so KnowledgeBases sharing a bucket keep apart.
	Owner string
	// Mode is None (list only), Global or PerDocument.
	Mode kbv1.AccessControlMode
	// Policy is the compiled rules; unused in mode None.
	Policy *acl.Policy
	// GlobalFile is the global file's key (mode Global).
	GlobalFile string
	// MetadataPrefix puts sidecars in a parallel tree (see acl.SidecarKey).
	MetadataPrefix string
	// SizeLimit is the largest sidecar written (acl.SidecarSizeLimit).
	SizeLimit int
	// Observe writes nothing (driftPolicy Observe): what would be written
	// or removed is returned in Result.Pending.
	Observe bool
}

// ProblemKind classifies why a file was not brought in sync.
type ProblemKind string

// Problem kinds.
const (
	// Unparseable: an existing sidecar is not a JSON object kbwarden can edit
	// (or holds the other format's ACL key); it is never overwritten.
	Unparseable ProblemKind = "Unparseable"
	// OverLimit: the sidecar would exceed the size limit, or its key S3's
	// 1,024-byte limit; it is not written.
	OverLimit ProblemKind = "OverLimit"
	// Changed: the file changed between kbwarden's read and its write; the
	// next pass retries.
	Changed ProblemKind = "Changed"
	// Orphan: a sidecar whose document is gone, left because kbwarden did
	// not create it or someone changed it since.
	Orphan ProblemKind = "Orphan"
	// Failed: the write failed (after the SDK's retries).
	Failed ProblemKind = "Failed"
)

// Problem is one file or document kbwarden could not bring in sync.
type Problem struct {
	// Key is the document's key (over-limit) or the file's key (others).
	Key    string
	Kind   ProblemKind
	Detail string
}

// String renders "key: what is wrong".
func (p Problem) String() string { return p.Key + ": " + p.Detail }

// Result is what one pass saw and did.
type Result struct {
	// Documents is the number of documents; Fingerprint a SHA-256 over
	// their sorted keys and ETags.
	Documents   int
	Fingerprint string
	// Unreachable lists, sorted, the documents nobody may retrieve.
	Unreachable []string
	// InSync counts documents (PerDocument) or files (Global) already right.
	InSync int
	// Written counts ACL files written or removed this pass; Repaired is
	// the part of them someone had changed since kbwarden wrote them.
	Written, Repaired int
	// Pending lists (Observe) the files that would be written or removed.
	Pending []string
	// Unparseable and OverLimit count the problems of those kinds.
	Unparseable, OverLimit int
	// Problems are sorted by key.
	Problems []Problem
	// ACLHash changes exactly when the ACL the files hold changes; empty in
	// mode None.
	ACLHash string
}

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

func (s *Syncer) stateFor(t *Target) *state {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.states == nil {
		s.states = map[string]*state{}
	}
	k := t.Bucket + "\x00" + t.Owner
	if s.states[k] == nil {
		s.states[k] = newState()
	}
	return s.states[k]
}

func (s *Syncer) forget(t *Target) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.states, t.Bucket+"\x00"+t.Owner)
}

// Sync runs one pass. Listing and manifest errors are returned as the SDK
// gave them (wrapped), for the caller to classify; a failed write does not
// stop the other files, and the first such error is returned after the
// pass recorded what it did.
func (s *Syncer) Sync(ctx context.Context, api S3API, t Target) (*Result, error) {
	l, err := list(ctx, api, &t)
	if err != nil {
		return nil, err
	}
	res := &Result{Documents: len(l.docs), Fingerprint: fingerprint(l.docs)}
	if t.Mode == kbv1.AccessControlNone || t.Mode == "" {
		return res, nil
	}
	if t.Policy == nil {
		return nil, errors.New("aclsync: no compiled policy")
	}
	st := s.stateFor(&t)
	dir := bookkeepingDir(t.Owner)
	leftovers, err := st.load(ctx, api, t.Bucket, dir, l.manifest)
	if err != nil {
		s.forget(&t)
		return nil, fmt.Errorf("reading kbwarden's manifest: %w", err)
	}
	for k := range st.entries {
		if _, ok := l.sidecars[k]; !ok && !(t.Mode == kbv1.AccessControlGlobal && k == t.GlobalFile && l.global != "") {
			st.drop(k) // the file is gone; nothing to remember
		}
	}
	p := &pass{syncer: s, api: api, t: &t, l: l, st: st, res: res, held: map[string]string{}}
	for _, doc := range slices.Sorted(maps.Keys(l.docs)) {
		if !t.Policy.ForKey(doc).Reachable() {
			res.Unreachable = append(res.Unreachable, doc)
		}
	}
	if t.Mode == kbv1.AccessControlGlobal {
		p.global()
	} else {
		p.sidecars()
	}
	p.run(ctx)
	res.ACLHash = p.aclHash()
	slices.SortFunc(res.Problems, func(a, b Problem) int { return strings.Compare(a.Key, b.Key) })
	slices.Sort(res.Pending)
	if t.Observe {
		return res, p.err
	}
	obsolete, err := st.save(ctx, api, t.Bucket, dir)
	if err != nil {
		return res, errors.Join(p.err, err)
	}
	for _, key := range append(leftovers, obsolete...) {
		if _, err := api.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &t.Bucket, Key: &key}); err != nil {
			return res, errors.Join(p.err, err)
		}
	}
	return res, p.err
}

// fingerprint hashes the sorted document keys and ETags.
func fingerprint(docs map[string]string) string {
	h := sha256.New()
	for _, k := range slices.Sorted(maps.Keys(docs)) {
		fmt.Fprintf(h, "%s\x00%s\n", k, strings.Trim(docs[k], `"`))
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

func sameETag(a, b string) bool { return strings.Trim(a, `"`) == strings.Trim(b, `"`) }

// isPrecondition reports a failed If-Match / If-None-Match (or a concurrent
// conditional write): the file changed under kbwarden.
func isPrecondition(err error) bool {
	c := awserr.Code(err)
	return c == "PreconditionFailed" || c == "ConditionalRequestConflict"
}
