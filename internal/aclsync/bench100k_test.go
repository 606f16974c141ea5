package aclsync

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/acl"
)

// BenchmarkMemory100k measures the memory of a restarted controller's pass
// and of a steady-state pass over 100,000 documents with 100,000 sidecars,
// against moto. Seeding 200,000 objects into moto takes about a quarter of
// an hour, so the benchmark runs only when KBW_BENCH_MOTO names the
// endpoint of a moto_server started for it, where it seeds the bucket once
// and reuses it on later runs (and by other versions of this package, to
// compare before and after):
//
//	moto_server -H 127.0.0.1 -p 5055 &
//	KBW_BENCH_MOTO=http://127.0.0.1:5055 go test -run '^$' -bench BenchmarkMemory100k -benchtime=1x ./internal/aclsync/
//
// It reports the peak heap of each pass above the heap before it (sampled
// every 5 ms), the bytes it allocated, the heap the Syncer keeps between
// passes, and the process's peak RSS (VmHWM).
func BenchmarkMemory100k(b *testing.B) {
	endpoint := os.Getenv("KBW_BENCH_MOTO")
	if endpoint == "" {
		b.Skip("set KBW_BENCH_MOTO to a moto_server endpoint (see the doc comment)")
	}
	const docs = 100000
	ctx := context.Background()
	cfg, err := moto.AWSConfig(ctx)
	if err != nil {
		b.Fatal(err)
	}
	cfg.BaseEndpoint = aws.String(endpoint)
	api := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	bucket := "kbw-bench-100k"
	policy, err := acl.Compile([]kbv1.ACLRule{{Prefix: "docs/", Allow: []kbv1.ACLEntry{{Group: "Everyone"}}}}, kbv1.ACLFormatQuick, bucket)
	if err != nil {
		b.Fatal(err)
	}
	target := Target{Bucket: bucket, Prefix: "docs/", Owner: "default.bench", Mode: kbv1.AccessControlPerDocument,
		Policy: policy, SizeLimit: acl.MaxSidecarBytes}
	seed100k(b, api, bucket, docs, target)
	for range b.N {
		s := &Syncer{}
		for _, pass := range []string{"restart", "steady"} {
			peak, alloc := measure(func() {
				res, err := s.Sync(ctx, api, target)
				if err != nil || res.InSync != docs {
					b.Fatalf("%s pass: in sync %d, err %v", pass, res.InSync, err)
				}
			})
			b.ReportMetric(float64(peak)/1e6, pass+"-peak-heap-MB")
			b.ReportMetric(float64(alloc)/1e6, pass+"-alloc-MB")
		}
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		b.ReportMetric(float64(m.HeapAlloc)/1e6, "kept-heap-MB")
		runtime.KeepAlive(s)
	}
	b.ReportMetric(float64(peakRSS())/1e6, "peak-RSS-MB")
}

// seed100k uploads the documents and writes their sidecars with a first
// pass, unless an earlier run did.
func seed100k(b *testing.B, api *s3.Client, bucket string, docs int, target Target) {
	ctx := context.Background()
	if _, err := api.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("seeded")}); err == nil {
		return
	}
	_, _ = api.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket})
	start := time.Now()
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	var failed atomic.Value
	for i := range docs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			key := fmt.Sprintf("docs/team-%02d/doc-%06d.pdf", i%20, i)
			if _, err := api.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader([]byte("pdf"))}); err != nil {
				failed.Store(err)
			}
		}()
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d documents in %s", docs, time.Since(start).Round(time.Second))
	start = time.Now()
	if res, err := (&Syncer{Concurrency: 32}).Sync(ctx, api, target); err != nil || res.Written != docs {
		b.Fatalf("seeding the sidecars: written %d, %v", res.Written, err)
	}
	b.Logf("wrote %d sidecars in %s", docs, time.Since(start).Round(time.Second))
	if _, err := api.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("seeded"), Body: bytes.NewReader(nil)}); err != nil {
		b.Fatal(err)
	}
}

// measure runs f and returns the peak heap above the heap before it, and
// the bytes allocated.
func measure(f func()) (peak, alloc uint64) {
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var top atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > top.Load() {
				top.Store(m.HeapAlloc)
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	f()
	close(done)
	wg.Wait()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if top.Load() > before.HeapAlloc {
		peak = top.Load() - before.HeapAlloc
	}
	return peak, after.TotalAlloc - before.TotalAlloc
}

// peakRSS reads the process's peak resident set size from /proc.
func peakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}
