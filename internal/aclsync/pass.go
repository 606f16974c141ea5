package aclsync

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/acl"
	"github.com/kbwarden/kbwarden/internal/awserr"
)

// pass is the work of one Sync: the plan made from the listing, then the
// tasks (reads and writes) run on the bounded pool. Tasks report through
// the methods below, which lock mu.
type pass struct {
	syncer *Syncer
	api    S3API
	t      *Target
	l      *listing
	st     *state
	res    *Result
	tasks  []func(context.Context)

	mu   sync.Mutex
	held map[string]string // ACL file key -> hash of the ACL it holds, when right
	err  error
}

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
		p.held[key] = hash
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

// run executes the tasks, at most Concurrency at a time.
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
	if err := ctx.Err(); err != nil && p.err == nil {
		p.err = err
	}
}

// global plans the global file: in sync when its listed ETag is the one
// kbwarden recorded for the current rules, or the MD5 of the wanted bytes
// (what S3 gives a single-part upload), so steady state reads nothing.
func (p *pass) global() {
	key, want := p.t.GlobalFile, p.t.Policy.GlobalFile()
	h := p.t.Policy.Hash()
	etag := p.l.global
	prev, known := p.st.entries[key]
	sum := md5.Sum(want)
	if etag != "" && ((known && sameETag(prev.ETag, etag) && prev.ACL == h) || sameETag(etag, hex.EncodeToString(sum[:]))) {
		p.done(key, h, &entry{ETag: etag, ACL: h, Created: prev.Created}, false, false)
		return
	}
	if p.t.Observe {
		p.pending(key)
		return
	}
	repaired := known && etag != "" && !sameETag(prev.ETag, etag)
	p.tasks = append(p.tasks, func(ctx context.Context) {
		newETag, err := p.put(ctx, key, want, etag)
		if err != nil {
			p.failed(key, err)
			return
		}
		p.done(key, h, &entry{ETag: newETag, ACL: h, Created: etag == "" || prev.Created}, true, repaired)
	})
}

// put writes a file conditionally: If-Match the ETag read, or
// If-None-Match: * when there was none.
func (p *pass) put(ctx context.Context, key string, body []byte, ifMatch string) (string, error) {
	in := &s3.PutObjectInput{Bucket: &p.t.Bucket, Key: &key, Body: bytes.NewReader(body), ContentType: aws.String("application/json")}
	if ifMatch != "" {
		in.IfMatch = aws.String(ifMatch)
	} else {
		in.IfNoneMatch = aws.String("*")
	}
	out, err := p.api.PutObject(ctx, in)
	if err != nil {
		return "", err
	}
	return aws.ToString(out.ETag), nil
}

// get reads a file and the ETag of what it read.
func (p *pass) get(ctx context.Context, key string) ([]byte, string, error) {
	out, err := p.api.GetObject(ctx, &s3.GetObjectInput{Bucket: &p.t.Bucket, Key: &key}, quietChecksums)
	if err != nil {
		return nil, "", err
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	return data, aws.ToString(out.ETag), err
}

func (p *pass) remove(ctx context.Context, key, ifMatch string) error {
	_, err := p.api.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &p.t.Bucket, Key: &key, IfMatch: aws.String(ifMatch)})
	return err
}

// aclHash hashes the ACLs the files hold after the pass: the global file's
// rules hash, or every right sidecar's key and ACL, so it moves when (and
// only when) an ACL the service reads moves.
func (p *pass) aclHash() string {
	if len(p.held) == 0 && p.t.Mode == kbv1.AccessControlGlobal {
		return ""
	}
	if h, ok := p.held[p.t.GlobalFile]; ok && p.t.Mode == kbv1.AccessControlGlobal {
		return h
	}
	sum := sha256.New()
	fmt.Fprintf(sum, "kbwarden-sidecars-v1\nformat=%s\n", p.t.Policy.Format())
	for _, k := range slices.Sorted(maps.Keys(p.held)) {
		fmt.Fprintf(sum, "%s\x00%s\n", k, p.held[k])
	}
	return hex.EncodeToString(sum.Sum(nil))
}

// classify sorts a RenderSidecar error into a problem kind.
func classify(err error) ProblemKind {
	var tooLarge *acl.SidecarTooLargeError
	if errors.As(err, &tooLarge) {
		return OverLimit
	}
	return Unparseable
}
