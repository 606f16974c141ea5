package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/testenv"
	"github.com/kbwarden/kbwarden/test/bedrockemu"
)

// The shape of every seeded KnowledgeBase: its own vector bucket, and a
// PerDocument data source of docsPerKB documents on its own prefix of one
// shared documents bucket. Names start with kbw- so the manager's
// --allowed-buckets admits them.
const (
	docsBucket = "kbw-bench-docs"
	docsPerKB  = 5
	namespace  = "default"
)

// seedKB names the i-th KnowledgeBase's resources.
type seedKB struct {
	name, kbID, dsID, vectorBucket, prefix string
}

func seedFor(i int) seedKB {
	return seedKB{
		name:         fmt.Sprintf("bench-%04d", i),
		kbID:         fmt.Sprintf("KB%08d", i),
		dsID:         fmt.Sprintf("DS%08d", i),
		vectorBucket: fmt.Sprintf("kbw-bench-vec-%04d", i),
		prefix:       fmt.Sprintf("kb-%04d/", i),
	}
}

// emulatorSeed is what the bedrock-agent emulator knows: one knowledge base
// per seed writing to its vector bucket, with an ACL-aware data source on
// its prefix.
func emulatorSeed(n int) []bedrockemu.KnowledgeBase {
	out := make([]bedrockemu.KnowledgeBase, n)
	for i := range out {
		s := seedFor(i)
		out[i] = bedrockemu.KnowledgeBase{ID: s.kbID, Name: s.name,
			VectorStore: bedrockemu.VectorStore{Type: bedrockemu.StorageS3, Bucket: s.vectorBucket},
			DataSources: []bedrockemu.DataSource{{ID: s.dsID, Bucket: docsBucket, Prefix: s.prefix, AccessControl: true}}}
	}
	return out
}

// seedBuckets creates the documents bucket, every vector bucket and every
// document in moto (directly, not through the counting proxy), with a few
// workers: moto is single-threaded, more would only queue.
func seedBuckets(ctx context.Context, env *testenv.Env, n int) error {
	c := s3.NewFromConfig(env.AWS, func(o *s3.Options) { o.UsePathStyle = true })
	bucket := docsBucket
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		return fmt.Errorf("creating %s: %w", bucket, err)
	}
	return parallel(n, 4, func(i int) error {
		s := seedFor(i)
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &s.vectorBucket}); err != nil {
			return fmt.Errorf("creating %s: %w", s.vectorBucket, err)
		}
		for d := range docsPerKB {
			key := fmt.Sprintf("%sdoc-%02d.md", s.prefix, d)
			body := "# " + key + "\n\nBenchmark document.\n"
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: strings.NewReader(body)}); err != nil {
				return fmt.Errorf("putting %s: %w", key, err)
			}
		}
		return nil
	})
}

// knowledgeBase is the i-th KnowledgeBase: the runbook's S3 vector bucket
// policy, versioning left alone, one rule allowing a group everything under
// its prefix, and the given drift-check interval and debounce.
func knowledgeBase(i int, interval, debounce time.Duration) *kbv1.KnowledgeBase {
	s := seedFor(i)
	return &kbv1.KnowledgeBase{
		ObjectMeta: metav1.ObjectMeta{Name: s.name, Namespace: namespace},
		Spec: kbv1.KnowledgeBaseSpec{
			Bedrock: &kbv1.BedrockSpec{KnowledgeBaseID: s.kbID, DataSourceID: s.dsID}, Region: testenv.Region, AccountID: testenv.AccountID,
			VectorBucket: kbv1.VectorBucketSpec{Name: s.vectorBucket, Type: kbv1.VectorBucketS3, Versioning: kbv1.VersioningUnmanaged},
			Documents:    kbv1.DocumentsSpec{Bucket: docsBucket, Prefix: s.prefix, Versioning: kbv1.VersioningUnmanaged},
			AccessControl: &kbv1.AccessControlSpec{Mode: kbv1.AccessControlPerDocument, Format: kbv1.ACLFormatQuick,
				Rules: []kbv1.ACLRule{{Prefix: s.prefix, Allow: []kbv1.ACLEntry{{Group: "Everyone"}}}}},
			Ingestion: &kbv1.IngestionSpec{Debounce: metav1.Duration{Duration: debounce}},
			Interval:  metav1.Duration{Duration: interval},
		},
	}
}

// applyBinding grants the benchmark's namespace its buckets in moto's
// account, as a platform team would: the manager runs with tenancy
// Required (its default), so the steady state measured includes it.
func applyBinding(ctx context.Context, c client.Client) error {
	b := &kbv1.AccountBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "bench"},
		Spec: kbv1.AccountBindingSpec{
			NamespaceSelector: metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": namespace}},
			AccountID:         testenv.AccountID,
			Buckets:           []string{"kbw-bench-*"},
		},
	}
	if err := c.Create(ctx, b); err != nil {
		return fmt.Errorf("creating the AccountBinding: %w", err)
	}
	return nil
}

// applyAll creates the n KnowledgeBases, as kubectl apply of n manifests
// would, with a few workers.
func applyAll(ctx context.Context, c client.Client, n int, interval, debounce time.Duration) error {
	return parallel(n, 8, func(i int) error {
		if err := c.Create(ctx, knowledgeBase(i, interval, debounce)); err != nil {
			return fmt.Errorf("creating KnowledgeBase %d: %w", i, err)
		}
		return nil
	})
}

// requestAll asks for a job on every KnowledgeBase with the manual trigger
// annotation, as kubectl annotate would.
func requestAll(ctx context.Context, c client.Client, n int, token string) error {
	return parallel(n, 8, func(i int) error {
		kb := &kbv1.KnowledgeBase{ObjectMeta: metav1.ObjectMeta{Name: seedFor(i).name, Namespace: namespace}}
		patch := fmt.Appendf(nil, `{"metadata":{"annotations":{%q:%q}}}`, kbv1.RequestedAtAnnotation, token)
		if err := c.Patch(ctx, kb, client.RawPatch(types.MergePatchType, patch)); err != nil {
			return fmt.Errorf("annotating %s: %w", kb.Name, err)
		}
		return nil
	})
}

// parallel runs f(0..n-1) on workers goroutines and returns the first error.
func parallel(n, workers int, f func(i int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}
