// Package tenancy is the two-tenant suite: a real control plane, moto with
// IAM enforcement on (every request after setup is authorized against the
// caller's IAM policies, assumed roles included), the bedrock-agent
// emulator for ingestion jobs, and the manager's controllers in
// --tenancy=Required, acting with a base identity that may only assume the
// tenant roles of config/iam.
//
// Tenants, as TestMain sets them up (all in moto's one account):
//   - team-a and team-b: a namespace each, and a binding with its own role
//     granted team-x-* buckets; the namespace a-team-b is team-b's too;
//   - team-c: a binding whose credentials (the manager's own) land in
//     another account than it says;
//   - team-d: a namespace no binding selects.
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
	"github.com/kbwarden/kbwarden/test/bedrockemu"
)

var (
	env *testenv.Env
	// tn is moto's IAM set up for kbwarden: the admin, the manager's base
	// identity, the tenant roles.
	tn *testenv.Tenancy
	// calls counts the manager's AWS requests by operation and bucket.
	calls = testenv.NewRequestCounter()
	// admin creates buckets as the platform team would.
	admin *s3.Client
	// emu runs the ingestion jobs, over moto's buckets.
	emu *bedrockemu.Server
	// mgrClient and mgrReader are the manager's cache and API reader, for
	// tests that run a reconciler of their own next to the manager's.
	mgrClient client.Client
	mgrReader client.Reader
	// mgrFactory is the manager's client factory, whose assumed-role
	// sessions tests count.
	mgrFactory *awsclient.Factory
)

// ingestion are the manager's ingestion settings here: the emulator runs
// jobs at once and does not throttle, so a KnowledgeBase settles in a
// second.
var ingestion = controllers.IngestionOptions{StartInterval: 200 * time.Millisecond, PollMin: 200 * time.Millisecond, PollMax: time.Second}

func TestMain(m *testing.M) {
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.UseDevMode(true), zap.Level(zapLevel())))
	ctx, cancel := context.WithCancel(context.Background())
	code, err := run(ctx, m)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "tenancy suite:", err)
		code = 1
	}
	os.Exit(code)
}

func zapLevel() zapcore.Level {
	if os.Getenv("KBWARDEN_TEST_DEBUG") != "" {
		return zapcore.DebugLevel
	}
	return zapcore.ErrorLevel
}

func run(ctx context.Context, m *testing.M) (int, error) {
	var err error
	if env, err = testenv.Start(ctx); err != nil {
		return 0, err
	}
	defer env.Stop()
	tn, err = env.Moto.SetUpTenancy(ctx,
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
	adminCfg := tn.Admin.Copy()
	if emu, err = bedrockemu.New(bedrockemu.Config{Region: testenv.Region, AccountID: testenv.AccountID,
		S3Endpoint: env.Moto.Endpoint, AWS: &adminCfg, StartInterval: -1}); err != nil {
		return 0, err
	}
	if err := emu.Start("127.0.0.1:0"); err != nil {
		return 0, err
	}
	defer emu.Close()
	if err := setUpTenants(ctx); err != nil {
		return 0, err
	}

	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{Scheme: env.Scheme, Metrics: metricsserver.Options{BindAddress: "0"},
		Controller: config.Controller{SkipNameValidation: aws.Bool(true)}, Cache: controllers.CacheOptions()})
	if err != nil {
		return 0, err
	}
	cfg := tn.Manager.Copy() // the manager's base identity: sts:AssumeRole on tenant roles only
	calls.Install(&cfg)
	factory := newFactory(cfg)
	mgrFactory = factory
	if err := controllers.NewKnowledgeBaseReconciler(controllers.Config{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(),
		Recorder: mgr.GetEventRecorder(controllers.ControllerName), AWS: factory, Tenancy: controllers.TenancyRequired,
		Ingestion: ingestion}).SetupWithManager(mgr); err != nil {
		return 0, err
	}
	if err := (&controllers.AccountBindingReconciler{Client: mgr.GetClient(), AWS: factory}).SetupWithManager(mgr); err != nil {
		return 0, err
	}
	mgrClient, mgrReader = mgr.GetClient(), mgr.GetAPIReader()
	go func() { _ = mgr.Start(ctx) }()
	if !mgr.GetCache().WaitForCacheSync(ctx) {
		return 0, fmt.Errorf("the manager's cache did not sync")
	}
	code := m.Run()
	if code == 0 {
		if err := checkIAMPolicyCoversEveryCall(); err != nil {
			fmt.Fprintln(os.Stderr, "FAIL: config/iam does not cover the manager's calls:", err)
			code = 1
		}
	}
	return code, nil
}

// newFactory is a client factory like the manager's over cfg, with
// bedrock-agent pointed at the emulator.
func newFactory(cfg aws.Config) *awsclient.Factory {
	return awsclient.NewFactory(cfg, testenv.Region, true, awsclient.WithBedrockAgentOptions(func(o *bedrockagent.Options) {
		o.BaseEndpoint = aws.String(emu.URL())
	}))
}

// setUpTenants creates the namespaces and bindings the package comment
// lists.
func setUpTenants(ctx context.Context) error {
	for _, team := range []string{"team-a", "team-b"} {
		if err := tenant(ctx, team, team, kbv1.AccountBindingSpec{AccountID: testenv.AccountID, RoleARN: testenv.RoleARN(team),
			Regions: []string{testenv.Region}, Buckets: []string{team + "-*"}}); err != nil {
			return err
		}
	}
	if err := tenant(ctx, "team-c", "team-c", kbv1.AccountBindingSpec{AccountID: "999999999999", Buckets: []string{"team-c-*"}}); err != nil {
		return err
	}
	for name, team := range map[string]string{"a-team-b": "team-b", "team-d": ""} {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		if team != "" {
			ns.Labels = map[string]string{"kbwarden.io/tenant": team}
		}
		if err := env.Client.Create(ctx, ns); err != nil {
			return err
		}
	}
	return nil
}

// tenant creates the namespace ns labelled for team and, when spec is not
// nil, team's AccountBinding.
func tenant(ctx context.Context, ns, team string, spec kbv1.AccountBindingSpec) error {
	if err := env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"kbwarden.io/tenant": team}}}); err != nil {
		return err
	}
	spec.NamespaceSelector = metav1.LabelSelector{MatchLabels: map[string]string{"kbwarden.io/tenant": team}}
	return env.Client.Create(ctx, &kbv1.AccountBinding{ObjectMeta: metav1.ObjectMeta{Name: team}, Spec: spec})
}

// knowledgeBase is a KnowledgeBase in namespace ns on the named buckets,
// for the Bedrock knowledge base kbID (10 characters, KB...) and its data
// source DS....
func knowledgeBase(ns, name, kbID, vectors, docs string) *kbv1.KnowledgeBase {
	return &kbv1.KnowledgeBase{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: kbv1.KnowledgeBaseSpec{
		Bedrock: &kbv1.BedrockSpec{KnowledgeBaseID: kbID, DataSourceID: "DS" + kbID[2:]}, Region: testenv.Region,
		VectorBucket: kbv1.VectorBucketSpec{Name: vectors}, Documents: kbv1.DocumentsSpec{Bucket: docs, Prefix: "docs/"},
	}}
}

// seed adds kb's knowledge base and data source to the emulator.
func seed(t *testing.T, kb *kbv1.KnowledgeBase) {
	t.Helper()
	if err := emu.AddKnowledgeBase(emuKnowledgeBase(kb)); err != nil {
		t.Fatal(err)
	}
}

// emuKnowledgeBase is the emulator's knowledge base and data source of kb.
func emuKnowledgeBase(kb *kbv1.KnowledgeBase) bedrockemu.KnowledgeBase {
	return bedrockemu.KnowledgeBase{ID: kb.Spec.Bedrock.KnowledgeBaseID,
		VectorStore: bedrockemu.VectorStore{Bucket: kb.Spec.VectorBucket.Name},
		DataSources: []bedrockemu.DataSource{{ID: kb.Spec.Bedrock.DataSourceID, Bucket: kb.Spec.Documents.Bucket, Prefix: kb.Spec.Documents.Prefix,
			AccessControl: kb.AccessControlMode() != kbv1.AccessControlNone}}}
}

// createBuckets creates buckets as the platform team would.
func createBuckets(t *testing.T, names ...string) {
	t.Helper()
	for _, b := range names {
		if _, err := admin.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatalf("creating bucket %s: %v", b, err)
		}
	}
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

// expectStalled waits until kb is Stalled with reason, and returns the
// message.
func expectStalled(g gomega.Gomega, kb *kbv1.KnowledgeBase, reason string) string {
	var msg string
	eventually(g, func(g gomega.Gomega) {
		c := conditionOf(g, kb, kbv1.StalledCondition)
		g.Expect(c).NotTo(gomega.BeNil(), "not stalled: %s", kbStatus(kb))
		g.Expect(c.Reason).To(gomega.Equal(reason), c.Message)
		msg = c.Message
	}).Should(gomega.Succeed())
	return msg
}

// expectReady waits until kb is Ready: every concern done with the tenant
// role's credentials, the first ingestion job included.
func expectReady(g gomega.Gomega, kb *kbv1.KnowledgeBase, binding string) {
	eventually(g, func(g gomega.Gomega) {
		c := conditionOf(g, kb, kbv1.ReadyCondition)
		g.Expect(c).NotTo(gomega.BeNil())
		g.Expect(c.Status).To(gomega.Equal(metav1.ConditionTrue), "%s: %s (binding: %s) (kb: %s)", kb.Namespace, c.Message, bindingStatus(binding), kbStatus(kb))
		g.Expect(conditionOf(g, kb, kbv1.ReconcilingCondition)).To(gomega.BeNil())
	}).Should(gomega.Succeed())
}

// TestTwoTenants: each team's KnowledgeBase works on its own buckets with
// its own assumed role (moto denies the other role and the manager's base
// identity), a KnowledgeBase naming the other team's bucket stalls
// NotGranted before any request reaches that bucket, and a binding whose
// credentials land in another account stalls its KnowledgeBases with
// AccountMismatch.
func TestTwoTenants(t *testing.T) {
	g := gomega.NewWithT(t)
	ctx := context.Background()
	own := map[string]*kbv1.KnowledgeBase{
		"team-a": knowledgeBase("team-a", "docs", "KBTEAMA001", "team-a-vectors", "team-a-docs"),
		"team-b": knowledgeBase("team-b", "docs", "KBTEAMB001", "team-b-vectors", "team-b-docs"),
	}
	for _, kb := range own {
		seed(t, kb)
		g.Expect(env.Client.Create(ctx, kb)).To(gomega.Succeed())
	}
	for team, kb := range own {
		expectReady(g, kb, team)
	}
	// The writes reached moto, which allowed them only to the bucket's own
	// team role: the manager's base identity holds sts:AssumeRole alone.
	g.Expect(calls.Count("PutBucketPolicy", "team-a-vectors")).To(gomega.Equal(1))
	g.Expect(calls.Count("PutBucketPolicy", "team-b-vectors")).To(gomega.Equal(1))

	// team-a-archive is team-a's, and no KnowledgeBase of team-a uses it, so
	// any request on it would be the intruder's.
	intruder := knowledgeBase("team-b", "intruder", "KBTEAMB001", "team-a-archive", "team-b-docs")
	g.Expect(env.Client.Create(ctx, intruder)).To(gomega.Succeed())
	g.Expect(expectStalled(g, intruder, kbv1.NotGrantedReason)).To(gomega.ContainSubstring("team-a-archive"))
	g.Expect(calls.ForBucket("team-a-archive")).To(gomega.BeEmpty(), "no request for a bucket the binding does not grant")

	stranger := knowledgeBase("team-c", "docs", "KBTEAMC001", "team-c-vectors", "team-c-docs")
	g.Expect(env.Client.Create(ctx, stranger)).To(gomega.Succeed())
	expectStalled(g, stranger, kbv1.AccountMismatchReason)
	g.Expect(calls.ForBucket("team-c-vectors")).To(gomega.BeEmpty())
}
