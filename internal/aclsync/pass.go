package aclsync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/acl"
	"github.com/kbwarden/kbwarden/internal/awserr"
)

// pass is the work of one Sync (or Cleanup): the plan made from the
// listing, then the tasks (reads and writes) run on the bounded pool. Tasks
// report through the methods below, which lock mu.
type pass struct {
	syncer *Syncer
	api    S3API
	t      *Target
	l      *listing
	st     *state
	res    *Result
	tasks  []func(context.Context)

	mu   sync.Mutex
	held []heldACL // ACL files that hold the right ACL after this pass
	err  error
	// blocked says a file of the old layout must be retried before the
	// new layout may be written.
	blocked bool
	// retained are old global files left in place (see layout.Retained).
	retained []string
	// leftovers are manifest shards of an interrupted resharding, and
	// migrated the shards at the old default location; both are deleted
	// once the manifest is saved.
	leftovers, migrated []string
}

// heldACL is one ACL file and the hash of the ACL it holds.
type heldACL struct{ key, hash string }

func (p *pass) problem(key string, kind ProblemKind, detail string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.res.Problems = append(p.res.Problems, Problem{Key: key, Kind: kind, Detail: detail})
	switch kind {
	case Unparseable:
		p.res.Unparseable++
	case OverLimit:
		p.res.OverLimit++
	}
}

// failed records a write error: a precondition failure is a Changed
// problem; anything else is also kept as the pass's error.
func (p *pass) failed(key string, err error) {
	if isPrecondition(err) || awserr.Code(err) == "NoSuchKey" {
		p.problem(key, Changed, "changed while kbwarden was updating it; the next pass retries")
		return
	}
	p.problem(key, Failed, awserr.Describe(err))
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err == nil {
		p.err = err
	}
}

// done records a file that holds the right ACL after this pass.
func (p *pass) done(key, hash string, e *entry, wrote, repaired bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e != nil {
		p.st.set(key, *e)
	}
	if hash != "" {
		p.held = append(p.held, heldACL{key, hash})
	}
	switch {
	case wrote:
		p.res.Written++
		if repaired {
			p.res.Repaired++
		}
	default:
		p.res.InSync++
	}
}

func (p *pass) pending(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.res.Pending = append(p.res.Pending, key)
}

func (p *pass) record(key string, e entry) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.st.set(key, e)
}

// forgetFile drops the entry of a file kbwarden removed, and counts it.
func (p *pass) forgetFile(key string, counted bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.st.drop(key)
	if counted {
		p.res.Written++
	}
}

// run executes the tasks, at most Concurrency at a time, and empties the list.
func (p *pass) run(ctx context.Context) {
	n := p.syncer.Concurrency
	if n <= 0 {
		n = DefaultConcurrency
	}
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for _, task := range p.tasks {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			task(ctx)
		}()
	}
	wg.Wait()
	p.tasks = nil
	if err := ctx.Err(); err != nil && p.err == nil {
		p.err = err
	}
}

// aclHash hashes the ACLs the files hold after the pass: the global file's
// rules hash, or every right sidecar's key and ACL, so it moves when (and
// only when) an ACL the service reads moves.
func (p *pass) aclHash() string {
	if p.t.Mode == kbv1.AccessControlGlobal {
		for _, h := range p.held {
			if h.key == p.t.GlobalFile {
				return h.hash
			}
		}
		return ""
	}
	slices.SortFunc(p.held, func(a, b heldACL) int { return strings.Compare(a.key, b.key) })
	sum := sha256.New()
	fmt.Fprintf(sum, "kbwarden-sidecars-v1\nformat=%s\n", p.t.Policy.Format())
	for _, h := range p.held {
		fmt.Fprintf(sum, "%s\x00%s\n", h.key, h.hash)
	}
	return hex.EncodeToString(sum.Sum(nil))
}

// classify sorts a RenderSidecar error into a problem kind.
func classify(err error) ProblemKind {
	var tooLarge *acl.SidecarTooLargeError
	if errors.As(err, &tooLarge) || isTooLarge(err) {
		return OverLimit
	}
	return Unparseable
}

// whollyKbwarden reports whether body holds nothing but what kbwarden
// writes: a global ACL file, or a sidecar whose only field is kbwarden's
// ACL field in format. It decides version-1 "created" entries (Legacy).
func whollyKbwarden(body []byte, format kbv1.ACLFormat) bool {
	if acl.ParseGlobalFile(body) == nil {
		return true
	}
	out, _, err := acl.RenderSidecar(body, nil, format, len(body)+2)
	return err == nil && string(out) == "{}"
}
