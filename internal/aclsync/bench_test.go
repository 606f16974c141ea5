package aclsync

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkSync10k syncs 10,000 documents against moto: the first pass
// (10,000 sidecars written), then a steady-state pass, reporting requests
// by operation and wall time, and compares the first pass's throughput with
// a plain loop of PutObject calls at the same concurrency on the same
// server (the upload of the documents themselves). Run it once:
//
//	go test -run '^$' -bench BenchmarkSync10k -benchtime=1x ./internal/aclsync/
func BenchmarkSync10k(b *testing.B) {
	const docs = 10000
	ctx := context.Background()
	for range b.N {
		b.StopTimer()
		bucket := newBucket(b)
		keys := make([]string, docs)
		for i := range keys {
			keys[i] = fmt.Sprintf("docs/team-%02d/doc-%05d.pdf", i%20, i)
		}
		start := time.Now()
		putMany(b, counted, bucket, keys, DefaultConcurrency)
		plain := time.Since(start)
		target := perDocument(b, bucket)
		s := &Syncer{Concurrency: DefaultConcurrency}
		b.StartTimer()

		before := counter.ForBucket(bucket)
		start = time.Now()
		res, err := s.Sync(ctx, counted, target)
		first := time.Since(start)
		if err != nil || res.Written != docs {
			b.Fatalf("first pass: written %d, err %v", res.Written, err)
		}
		firstOps := ops(bucket, before)

		before = counter.ForBucket(bucket)
		start = time.Now()
		res, err = s.Sync(ctx, counted, target)
		steady := time.Since(start)
		if err != nil || res.InSync != docs {
			b.Fatalf("steady pass: in sync %d, err %v", res.InSync, err)
		}
		steadyOps := ops(bucket, before)

		b.Logf("plain PutObject loop: %d PUTs in %s (%.0f/s) at concurrency %d", docs, plain.Round(time.Millisecond), docs/plain.Seconds(), DefaultConcurrency)
		b.Logf("first pass: %s (%.0f sidecars/s, %.2fx the plain loop's time), requests %v", first.Round(time.Millisecond), docs/first.Seconds(), first.Seconds()/plain.Seconds(), firstOps)
		b.Logf("steady pass: %s, requests %v", steady.Round(time.Millisecond), steadyOps)
		b.ReportMetric(first.Seconds(), "first-pass-s")
		b.ReportMetric(steady.Seconds(), "steady-pass-s")
		b.ReportMetric(plain.Seconds(), "plain-put-loop-s")
		b.ReportMetric(float64(steadyOps["GetObject"]+steadyOps["PutObject"]), "steady-get+put")
	}
}
