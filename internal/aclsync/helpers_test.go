package aclsync

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/acl"
	"github.com/kbwarden/kbwarden/internal/testenv"
)

// moto is the emulator shared by this package's tests and benchmarks;
// counted is a client through a RequestCounter, raw one that is not.
var (
	moto    *testenv.Moto
	counter = testenv.NewRequestCounter()
	counted *s3.Client
	raw     *s3.Client
	bucketN atomic.Int64
)

func TestMain(m *testing.M) {
	ctx := context.Background()
	var err error
	if moto, err = testenv.StartMoto(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "starting moto:", err)
		os.Exit(1)
	}
	cfg, err := moto.AWSConfig(ctx)
	if err != nil {
		moto.Stop()
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	raw = s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	countedCfg := cfg.Copy()
	counter.Install(&countedCfg)
	counted = s3.NewFromConfig(countedCfg, func(o *s3.Options) { o.UsePathStyle = true })
	code := m.Run()
	moto.Stop()
	os.Exit(code)
}

// newBucket creates a fresh bucket.
func newBucket(tb testing.TB) string {
	tb.Helper()
	name := fmt.Sprintf("kbw-aclsync-%d", bucketN.Add(1))
	if _, err := raw.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: &name}); err != nil {
		tb.Fatal(err)
	}
	return name
}

func put(tb testing.TB, bucket, key, body string) {
	tb.Helper()
	if _, err := raw.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader([]byte(body))}); err != nil {
		tb.Fatal(err)
	}
}

func read(tb testing.TB, bucket, key string) (string, bool) {
	tb.Helper()
	out, err := raw.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		return "", false
	}
	defer out.Body.Close()
	data, _ := io.ReadAll(out.Body)
	return string(data), true
}

// putMany uploads n documents docs/d<i>.txt with bounded concurrency, the
// way a plain upload loop would.
func putMany(tb testing.TB, api *s3.Client, bucket string, keys []string, concurrency int) {
	tb.Helper()
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	var failed atomic.Value
	for _, k := range keys {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			_, err := api.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), Body: bytes.NewReader([]byte(`{"AccessControlList":[]}`))})
			if err != nil {
				failed.Store(err)
			}
		}()
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		tb.Fatal(err)
	}
}

// perDocument returns a PerDocument target over bucket/docs/ with one rule.
func perDocument(tb testing.TB, bucket string, rules ...kbv1.ACLRule) Target {
	tb.Helper()
	if len(rules) == 0 {
		rules = []kbv1.ACLRule{{Prefix: "docs/", Allow: []kbv1.ACLEntry{{Group: "Everyone"}}}}
	}
	p, err := acl.Compile(rules, kbv1.ACLFormatQuick, bucket)
	if err != nil {
		tb.Fatal(err)
	}
	return Target{Bucket: bucket, Prefix: "docs/", Owner: "default." + bucket, Mode: kbv1.AccessControlPerDocument,
		Policy: p, SizeLimit: acl.MaxSidecarBytes}
}

// ops returns the calls counted on bucket since the last reset of before.
func ops(bucket string, before map[string]int) map[string]int {
	out := map[string]int{}
	for op, n := range counter.ForBucket(bucket) {
		if d := n - before[op]; d > 0 {
			out[op] = d
		}
	}
	return out
}

// racingAPI runs before() ahead of the PutObject of key, to play someone
// who changes the file between kbwarden's read and its write.
type racingAPI struct {
	S3API
	key    string
	before func()
}

func (a racingAPI) PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	if aws.ToString(in.Key) == a.key {
		a.before()
	}
	return a.S3API.PutObject(ctx, in, opts...)
}

// dyingAPI fails every PutObject after the first n, like a controller killed
// mid-pass.
type dyingAPI struct {
	S3API
	left *atomic.Int64
}

func (a dyingAPI) PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	if a.left.Add(-1) < 0 {
		return nil, context.Canceled
	}
	return a.S3API.PutObject(ctx, in, opts...)
}

func deleteInput(bucket, key string) *s3.DeleteObjectInput {
	return &s3.DeleteObjectInput{Bucket: &bucket, Key: &key}
}

func listInput(bucket, prefix string) *s3.ListObjectsV2Input {
	return &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: &prefix}
}

// global returns a Global target over bucket/docs/ writing file.
func global(tb testing.TB, bucket, file string) Target {
	tb.Helper()
	t := perDocument(tb, bucket)
	t.Mode, t.GlobalFile = kbv1.AccessControlGlobal, file
	return t
}

// keys lists every key of bucket, sorted.
func keys(tb testing.TB, bucket string) []string {
	tb.Helper()
	var out []string
	err := listPrefix(context.Background(), raw, bucket, "", 0, func(o object) { out = append(out, o.key) })
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// countingAPI counts the body bytes kbwarden reads through GetObject.
type countingAPI struct {
	S3API
	read *atomic.Int64
}

func (a countingAPI) GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	out, err := a.S3API.GetObject(ctx, in, opts...)
	if err == nil {
		out.Body = countingBody{out.Body, a.read}
	}
	return out, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// spaces is an io.ReaderAt of blanks, for uploading a large object without
// holding it in memory.
type spaces struct{}

func (spaces) ReadAt(p []byte, _ int64) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// putLarge uploads size bytes of blanks at key.
func putLarge(tb testing.TB, bucket, key string, size int64) {
	tb.Helper()
	body := io.NewSectionReader(spaces{}, 0, size)
	_, err := raw.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: body, ContentLength: aws.Int64(size)})
	if err != nil {
		tb.Fatal(err)
	}
}

// syncedOneDocument is a new bucket holding docs/a.txt, its PerDocument
// target, and a Syncer that has synced it once: the sidecar is written
// and the manifest names it as kbwarden's.
func syncedOneDocument(t *testing.T) (string, Target, *Syncer) {
	t.Helper()
	bucket := newBucket(t)
	put(t, bucket, "docs/a.txt", "text")
	target := perDocument(t, bucket)
	s := &Syncer{}
	if _, err := s.Sync(context.Background(), counted, target); err != nil {
		t.Fatal(err)
	}
	return bucket, target, s
}

// perDocumentPolicy compiles one rule allowing group on docs/.
func perDocumentPolicy(tb testing.TB, bucket, group string) *acl.Policy {
	tb.Helper()
	p, err := acl.Compile([]kbv1.ACLRule{{Prefix: "docs/", Allow: []kbv1.ACLEntry{{Group: group}}}}, kbv1.ACLFormatQuick, bucket)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}
