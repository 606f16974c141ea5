// Package tenancy is the two-tenant suite: a real control plane, moto with
// IAM enforcement on (every request after setup is authorized against the
// caller's IAM policies, assumed roles included), and the manager's
// controllers in --tenancy=Required, acting with a base identity that may
// only assume the tenant roles of config/iam.
package tenancy

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagent"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/onsi/gomega"
	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/controllers"
	"github.com/kbwarden/kbwarden/internal/awsclient"
	"github.com/kbwarden/kbwarden/internal/testenv"
)

var (
	env *testenv.Env
	// calls counts the manager's AWS requests by operation and bucket.
	calls = testenv.NewRequestCounter()
	// admin creates buckets as the platform team would.
	admin *s3.Client
)

func TestMain(m *testing.M) {
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.UseDevMode(true), zap.Level(zapcore.ErrorLevel)))
	ctx, cancel := context.WithCancel(context.Background())
	code, err := run(ctx, m)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "tenancy suite:", err)
		code = 1
	}
	os.Exit(code)
}

func run(ctx context.Context, m *testing.M) (int, error) {
	var err error
	if env, err = testenv.Start(ctx); err != nil {
		return 0, err
	}
	defer env.Stop()
	tn, err := env.Moto.SetUpTenancy(ctx,
		testenv.Tenant{Role: "team-a", Binding: "team-a", Buckets: "team-a-*"},
		testenv.Tenant{Role: "team-b", Binding: "team-b", Buckets: "team-b-*"},
	)
	if err != nil {
		return 0, fmt.Errorf("%w (moto's log: %s)", err, env.Moto.LogPath())
	}
	admin = s3.NewFromConfig(tn.Admin, func(o *s3.Options) { o.UsePathStyle = true }, awsclient.QuietS3)
	for _, b := range []string{"team-a-vectors", "team-a-docs", "team-a-archive", "team-b-vectors", "team-b-docs"} {
		if _, err := admin.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			return 0, fmt.Errorf("creating bucket %s: %w", b, err)
		}
	}

	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{Scheme: env.Scheme, Metrics: metricsserver.Options{BindAddress: "0"},
		Controller: config.Controller{SkipNameValidation: aws.Bool(true)}, Cache: controllers.CacheOptions()})
	if err != nil {
		return 0, err
	}
	cfg := tn.Manager.Copy() // the manager's base identity: sts:AssumeRole on tenant roles only
	calls.Install(&cfg)
	factory := awsclient.NewFactory(cfg, testenv.Region, true, awsclient.WithBedrockAgentOptions(func(o *bedrockagent.Options) {
		o.BaseEndpoint = aws.String(env.Moto.Endpoint) // no ingestion in this suite: keep every call on loopback
	}))
	if err := controllers.NewKnowledgeBaseReconciler(controllers.Config{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(),
		Recorder: mgr.GetEventRecorder(controllers.ControllerName), AWS: factory, Tenancy: controllers.TenancyRequired}).SetupWithManager(mgr); err != nil {
		return 0, err
	}
	if err := (&controllers.AccountBindingReconciler{Client: mgr.GetClient(), AWS: factory}).SetupWithManager(mgr); err != nil {
		return 0, err
	}
	go func() { _ = mgr.Start(ctx) }()
	if !mgr.GetCache().WaitForCacheSync(ctx) {
		return 0, fmt.Errorf("the manager's cache did not sync")
	}
	return m.Run(), nil
}

// tenant creates a namespace labelled for team and its AccountBinding.
func tenant(t *testing.T, team string, spec kbv1.AccountBindingSpec) {
	t.Helper()
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: team, Labels: map[string]string{"kbwarden.io/tenant": team}}}
	if err := env.Client.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	spec.NamespaceSelector = metav1.LabelSelector{MatchLabels: map[string]string{"kbwarden.io/tenant": team}}
	b := &kbv1.AccountBinding{ObjectMeta: metav1.ObjectMeta{Name: team}, Spec: spec}
	if err := env.Client.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
}

// knowledgeBase is a KnowledgeBase of team on the named buckets.
func knowledgeBase(team, name, vectors, docs string) *kbv1.KnowledgeBase {
	return &kbv1.KnowledgeBase{ObjectMeta: metav1.ObjectMeta{Namespace: team, Name: name}, Spec: kbv1.KnowledgeBaseSpec{
		Bedrock: &kbv1.BedrockSpec{KnowledgeBaseID: "KBTENANT01", DataSourceID: "DSTENANT01"}, Region: testenv.Region,
		VectorBucket: kbv1.VectorBucketSpec{Name: vectors}, Documents: kbv1.DocumentsSpec{Bucket: docs, Prefix: "docs/"},
	}}
}

func conditionOf(g gomega.Gomega, kb *kbv1.KnowledgeBase, condType string) *metav1.Condition {
	got := &kbv1.KnowledgeBase{}
	g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(kb), got)).To(gomega.Succeed())
	return apimeta.FindStatusCondition(got.Status.Conditions, condType)
}

// kbStatus renders a KnowledgeBase's conditions, for failure messages.
func kbStatus(kb *kbv1.KnowledgeBase) string {
	got := &kbv1.KnowledgeBase{}
	if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(kb), got); err != nil {
		return err.Error()
	}
	return fmt.Sprintf("generation %d, %+v", got.Generation, got.Status.Conditions)
}

// bindingStatus renders a binding's conditions, for failure messages.
func bindingStatus(name string) string {
	b := &kbv1.AccountBinding{}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Name: name}, b); err != nil {
		return err.Error()
	}
	return fmt.Sprintf("generation %d, %+v", b.Generation, b.Status)
}

func eventually(g gomega.Gomega, f any) gomega.AsyncAssertion {
	return g.Eventually(f).WithTimeout(30 * time.Second).WithPolling(200 * time.Millisecond)
}

// TestTwoTenants: each team's KnowledgeBase works on its own buckets with
// its own assumed role (moto denies the other role and the manager's base
// identity), a KnowledgeBase naming the other team's bucket stalls
// NotGranted before any request reaches that bucket, and a binding whose
// credentials land in another account stalls its KnowledgeBases with
// AccountMismatch.
func TestTwoTenants(t *testing.T) {
	// Known flaky (about one run in three): moto sometimes answers a tenant
	// session's first ListObjectsV2 with SignatureDoesNotMatch and the
	// KnowledgeBase is left showing its binding as not verified. Issue 10
	// stays open on it; run it with KBWARDEN_TENANCY_SUITE=1.
	if os.Getenv("KBWARDEN_TENANCY_SUITE") == "" {
		t.Skip("flaky, see the comment; set KBWARDEN_TENANCY_SUITE=1 to run")
	}
	g := gomega.NewWithT(t)
	ctx := context.Background()
	for _, team := range []string{"team-a", "team-b"} {
		tenant(t, team, kbv1.AccountBindingSpec{AccountID: testenv.AccountID, RoleARN: testenv.RoleARN(team),
			Regions: []string{testenv.Region}, Buckets: []string{team + "-*"}})
	}
	tenant(t, "team-c", kbv1.AccountBindingSpec{AccountID: "999999999999", Buckets: []string{"team-c-*"}})

	own := map[string]*kbv1.KnowledgeBase{
		"team-a": knowledgeBase("team-a", "docs", "team-a-vectors", "team-a-docs"),
		"team-b": knowledgeBase("team-b", "docs", "team-b-vectors", "team-b-docs"),
	}
	for _, kb := range own {
		g.Expect(env.Client.Create(ctx, kb)).To(gomega.Succeed())
	}
	for team, kb := range own {
		eventually(g, func(g gomega.Gomega) {
			c := conditionOf(g, kb, kbv1.VectorBucketPolicyInSyncCondition)
			g.Expect(c).NotTo(gomega.BeNil())
			g.Expect(c.Status).To(gomega.Equal(metav1.ConditionTrue), "%s: %s (binding: %s) (kb: %s)", team, c.Message, bindingStatus(team), kbStatus(kb))
		}).Should(gomega.Succeed())
	}
	// The writes reached moto, which allowed them only to the bucket's own
	// team role: the manager's base identity holds sts:AssumeRole alone.
	g.Expect(calls.Count("PutBucketPolicy", "team-a-vectors")).To(gomega.Equal(1))
	g.Expect(calls.Count("PutBucketPolicy", "team-b-vectors")).To(gomega.Equal(1))

	// team-a-archive is team-a's, and no KnowledgeBase of team-a uses it, so
	// any request on it would be the intruder's.
	intruder := knowledgeBase("team-b", "intruder", "team-a-archive", "team-b-docs")
	g.Expect(env.Client.Create(ctx, intruder)).To(gomega.Succeed())
	eventually(g, func(g gomega.Gomega) {
		c := conditionOf(g, intruder, kbv1.StalledCondition)
		g.Expect(c).NotTo(gomega.BeNil())
		g.Expect(c.Reason).To(gomega.Equal(kbv1.NotGrantedReason))
		g.Expect(c.Message).To(gomega.ContainSubstring("team-a-archive"))
	}).Should(gomega.Succeed())
	g.Expect(calls.ForBucket("team-a-archive")).To(gomega.BeEmpty(), "no request for a bucket the binding does not grant")

	stranger := knowledgeBase("team-c", "docs", "team-c-vectors", "team-c-docs")
	g.Expect(env.Client.Create(ctx, stranger)).To(gomega.Succeed())
	eventually(g, func(g gomega.Gomega) {
		c := conditionOf(g, stranger, kbv1.StalledCondition)
		g.Expect(c).NotTo(gomega.BeNil())
		g.Expect(c.Reason).To(gomega.Equal(kbv1.AccountMismatchReason), c.Message)
	}).Should(gomega.Succeed())
	g.Expect(calls.ForBucket("team-c-vectors")).To(gomega.BeEmpty())
}
