package tenancy

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/controllers"
	"github.com/kbwarden/kbwarden/internal/testenv"
)

// steadyKB is team-a's KnowledgeBase whose steady state is measured: an S3
// vector bucket with versioning managed, three documents with one sidecar
// each (PerDocument), ingestion after changes.
var (
	steadyOnce sync.Once
	steadyKB   *kbv1.KnowledgeBase
	steadyErr  error
)

// steadyState creates steadyKB once and waits until the manager has
// brought it to Ready with its first job done.
func steadyState(tb testing.TB) *kbv1.KnowledgeBase {
	tb.Helper()
	steadyOnce.Do(func() {
		ctx := context.Background()
		for _, b := range []string{"team-a-steady-vectors", "team-a-steady-docs"} {
			if _, steadyErr = admin.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); steadyErr != nil {
				return
			}
		}
		for i := range 3 {
			if _, steadyErr = admin.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("team-a-steady-docs"),
				Key: aws.String(fmt.Sprintf("docs/doc-%d.pdf", i)), Body: strings.NewReader("%PDF")}); steadyErr != nil {
				return
			}
		}
		kb := knowledgeBase("team-a", "steady", "KBSTEADY01", "team-a-steady-vectors", "team-a-steady-docs")
		kb.Spec.VectorBucket.Versioning = kbv1.VersioningEnabled
		kb.Spec.AccessControl = &kbv1.AccessControlSpec{Mode: kbv1.AccessControlPerDocument,
			Rules: []kbv1.ACLRule{{Prefix: "docs/", Allow: []kbv1.ACLEntry{{Group: "team-a"}}}}}
		if steadyErr = emuSeed(kb); steadyErr != nil {
			return
		}
		if steadyErr = env.Client.Create(ctx, kb); steadyErr != nil {
			return
		}
		steadyKB = kb
	})
	if steadyErr != nil {
		tb.Fatal(steadyErr)
	}
	expectReady(gomega.NewWithT(tb), steadyKB, "team-a")
	return steadyKB
}

// passMeter runs passes of a KnowledgeBase reconciler of its own next to
// the manager's (as a restarted manager would run them), on the manager's
// cache, with a fake clock moved one drift-check interval before each
// pass, so every pass is the periodic pass of steady state; and it counts
// the AWS calls of each pass alone. Its factory is new: its first pass
// assumes the tenant role, as a restarted manager's would.
type passMeter struct {
	r     *controllers.KnowledgeBaseReconciler
	clock *clocktesting.FakeClock
	calls *testenv.RequestCounter
	kb    *kbv1.KnowledgeBase
	// bench, when set, is paused while a pass waits for the cache, so it
	// times the passes alone.
	bench *testing.B
}

func newPassMeter(kb *kbv1.KnowledgeBase) *passMeter {
	m := &passMeter{clock: clocktesting.NewFakeClock(time.Now()), calls: testenv.NewRequestCounter(), kb: kb}
	cfg := tn.Manager.Copy()
	m.calls.Install(&cfg)
	m.r = controllers.NewKnowledgeBaseReconciler(controllers.Config{Client: mgrClient, APIReader: mgrReader,
		AWS: newFactory(cfg), Tenancy: controllers.TenancyRequired, Ingestion: ingestion, Clock: m.clock})
	return m
}

// pass runs one pass after moving the clock by step, on the manager's
// cache once it holds the API server's copy, and returns the pass's calls
// by operation and whether it wrote the KnowledgeBase.
func (m *passMeter) pass(tb testing.TB, step time.Duration) (map[string]int, bool) {
	tb.Helper()
	if m.bench != nil {
		m.bench.StopTimer()
	}
	rv := m.synced(tb)
	m.clock.Step(step)
	if m.bench != nil {
		m.bench.StartTimer()
	}
	before := m.snapshot()
	if _, err := m.r.Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKeyFromObject(m.kb)}); err != nil {
		tb.Fatalf("pass: %v", err)
	}
	out := map[string]int{}
	for op, n := range m.snapshot() {
		if d := n - before[op]; d > 0 {
			out[op] = d
		}
	}
	if m.bench != nil {
		m.bench.StopTimer()
		defer m.bench.StartTimer()
	}
	return out, m.synced(tb) != rv
}

// synced waits until the manager's cache holds the API server's copy of
// the KnowledgeBase, and returns its resourceVersion: a pass then reads
// what the previous one wrote.
func (m *passMeter) synced(tb testing.TB) string {
	tb.Helper()
	var rv string
	gomega.NewWithT(tb).Eventually(func(g gomega.Gomega) {
		live, cached := &kbv1.KnowledgeBase{}, &kbv1.KnowledgeBase{}
		g.Expect(mgrReader.Get(context.Background(), client.ObjectKeyFromObject(m.kb), live)).To(gomega.Succeed())
		g.Expect(mgrClient.Get(context.Background(), client.ObjectKeyFromObject(m.kb), cached)).To(gomega.Succeed())
		g.Expect(cached.ResourceVersion).To(gomega.Equal(live.ResourceVersion))
		rv = live.ResourceVersion
	}).WithTimeout(10 * time.Second).WithPolling(10 * time.Millisecond).Should(gomega.Succeed())
	return rv
}

func (m *passMeter) snapshot() map[string]int {
	out := map[string]int{}
	for _, op := range m.calls.Operations() {
		out[op] = m.calls.Count(op, "")
	}
	return out
}

// steadyOps is a steady-state pass of steadyKB: the drift checks' reads of
// the vector bucket (policy and versioning; the encryption and public
// access block it reports are read at the first pass, then once an hour:
// five passes here are 25 minutes), two listing pages of the documents bucket (the
// documents prefix, and kbwarden's manifest under .kbwarden/, which lives
// outside it; no GET, no PUT: every sidecar is in sync), no ingestion call
// (the last job's outcome is in status, and no job is due), and no call to
// STS.
var steadyOps = map[string]int{
	"GetBucketPolicy": 1, "GetBucketVersioning": 1, "ListObjectsV2": 2,
}

// TestSteadyStatePassCost measures the AWS calls of a KnowledgeBase's
// steady-state pass with tenancy on: every pass after the first makes
// exactly steadyOps, and none calls sts:AssumeRole or
// sts:GetCallerIdentity (the tenant role's credentials are cached for their
// lifetime; the account is the verified binding's). The first pass of a
// new factory assumes the role once. It also measures the AccountBinding
// reconciler's own pass: after its first, it calls nothing.
func TestSteadyStatePassCost(t *testing.T) {
	g := gomega.NewWithT(t)
	kb := steadyState(t)
	m := newPassMeter(kb)
	interval := kb.GetInterval()

	first, wrote := m.pass(t, 0)
	t.Logf("first pass of a new manager: %v (status written: %v)", first, wrote)
	g.Expect(first).To(gomega.HaveKeyWithValue("AssumeRole", 1))
	g.Expect(first).NotTo(gomega.HaveKey("GetCallerIdentity"), "the account is the verified binding's")

	const passes = 5
	for i := range passes {
		got, wrote := m.pass(t, interval)
		t.Logf("steady-state pass %d: %v (%d calls)", i+1, got, total(got))
		g.Expect(got).To(gomega.Equal(steadyOps), "pass %d: %v", i+1, slices.Sorted(maps.Keys(got)))
		g.Expect(wrote).To(gomega.BeFalse(), "a steady-state pass writes no status")
	}
	g.Expect(m.calls.Count("AssumeRole", "")).To(gomega.Equal(1), "one AssumeRole per credentials lifetime, not per pass")
	g.Expect(m.calls.Count("GetCallerIdentity", "")).To(gomega.BeZero())

	// A pass that comes early (an event, a job poll) checks nothing.
	early, _ := m.pass(t, time.Second)
	g.Expect(early).To(gomega.BeEmpty())

	// The binding's own periodic verification.
	bcalls := testenv.NewRequestCounter()
	cfg := tn.Manager.Copy()
	bcalls.Install(&cfg)
	br := &controllers.AccountBindingReconciler{Client: mgrClient, AWS: newFactory(cfg)}
	req := ctrl.Request{NamespacedName: types.NamespacedName{Name: "team-a"}}
	for i := range passes + 1 {
		before := total(countsOf(bcalls))
		_, err := br.Reconcile(context.Background(), req)
		g.Expect(err).NotTo(gomega.HaveOccurred())
		t.Logf("AccountBinding pass %d: %d calls (%v so far)", i+1, total(countsOf(bcalls))-before, countsOf(bcalls))
	}
	g.Expect(countsOf(bcalls)).To(gomega.Equal(map[string]int{"AssumeRole": 1, "GetCallerIdentity": 1}),
		"verified once per credentials lifetime")
}

// BenchmarkSteadyStatePass times a steady-state pass of steadyKB against
// moto (IAM enforced, so every call is authorized), and reports its AWS
// calls and AssumeRole calls per pass.
func BenchmarkSteadyStatePass(b *testing.B) {
	kb := steadyState(b)
	m := newPassMeter(kb)
	interval := kb.GetInterval()
	m.pass(b, 0)
	before := total(m.snapshot())
	m.bench = b
	b.ResetTimer()
	for range b.N {
		m.pass(b, interval)
	}
	b.StopTimer()
	b.ReportMetric(float64(total(m.snapshot())-before)/float64(b.N), "awscalls/op")
	b.ReportMetric(float64(m.calls.Count("AssumeRole", "")-1)/float64(b.N), "assumerole/op")
}

func countsOf(c *testenv.RequestCounter) map[string]int {
	out := map[string]int{}
	for _, op := range c.Operations() {
		out[op] = c.Count(op, "")
	}
	return out
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// emuSeed is seed without a test, for shared fixtures.
func emuSeed(kb *kbv1.KnowledgeBase) error {
	return emu.AddKnowledgeBase(emuKnowledgeBase(kb))
}
