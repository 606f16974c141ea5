package aclsync

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"runtime"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// BenchmarkListAndPlan100k measures the listing and planning stage of a
// steady-state pass over 100,000 documents and 100,000 sidecars, with the
// manifest cached, on the pages ListObjectsV2 would return (each page built
// fresh and dropped, as the SDK decodes and drops them). No S3 is involved,
// so it runs quickly anywhere; BenchmarkMemory100k measures whole passes
// against moto. It reports the heap the stage keeps while planning
// (listing-MB: what grows with the number of documents) and allocations.
func BenchmarkListAndPlan100k(b *testing.B) {
	const docs = 100000
	bucket := "bench"
	target := perDocument(b, bucket)
	wh := hashACL(target.Policy.ForKey("docs/"))
	book, _ := bookkeeping(&target)
	st := newState(book)
	etag := func(key string) string { sum := md5.Sum([]byte(key)); return `"` + hex.EncodeToString(sum[:]) + `"` }
	for i := range docs {
		key := docKey(i) + ".metadata.json"
		e := etag(key)
		st.entries[key] = entry{ETag: e, ACL: wh, Own: e}
	}
	st.setLayout(layoutOf(&target))
	page := func(n int) []types.Object {
		out := make([]types.Object, 0, 1000)
		for i := n * 500; i < (n+1)*500 && i < docs; i++ {
			for _, key := range []string{docKey(i), docKey(i) + ".metadata.json"} {
				out = append(out, types.Object{Key: aws.String(key), ETag: aws.String(etag(key)), Size: aws.Int64(100),
					StorageClass: types.ObjectStorageClassStandard})
			}
		}
		return out
	}
	s := &Syncer{}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		ls := &lister{t: &target, book: &book, meta: "", l: &listing{}}
		for n := 0; n*500 < docs; n++ {
			for _, o := range page(n) {
				obj, err := objectOf(o, true)
				if err != nil {
					b.Fatal(err)
				}
				ls.visit(obj)
			}
		}
		l := ls.l
		l.docs, l.sidecars = l.docs.sorted(), l.sidecars.sorted()
		p := &pass{syncer: s, t: &target, st: st, l: l, res: &Result{}}
		p.notDocuments()
		p.plan()
		if len(p.tasks) != 0 || p.res.InSync != docs {
			b.Fatalf("not steady: %d tasks, %d in sync", len(p.tasks), p.res.InSync)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/1e6, "listing-MB")
		runtime.KeepAlive(p)
	}
}

func docKey(i int) string { return fmt.Sprintf("docs/team-%02d/doc-%06d.pdf", i%20, i) }
