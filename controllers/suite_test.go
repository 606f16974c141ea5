package controllers

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagent"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3vectors"
	"github.com/onsi/gomega"
	"go.uber.org/zap/zapcore"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/awsclient"
	"github.com/kbwarden/kbwarden/internal/testenv"
	"github.com/kbwarden/kbwarden/test/bedrockemu"
)

// env is the control plane and moto shared by this package's tests; the
// manager runs the reconciler against it for the integration tests.
var env *testenv.Env

var (
	// faults stands between the manager and moto to inject AWS errors.
	faults *testenv.FaultProxy
	// calls counts the manager's AWS calls by operation and bucket.
	calls = testenv.NewRequestCounter()
	// admin is an S3 client acting as a person with the AWS CLI would,
	// straight to moto (not counted, no faults).
	admin *s3.Client
	// adminVectors is the same for S3 Vectors.
	adminVectors *s3vectors.Client
	// emu is the bedrock-agent emulator the manager starts ingestion jobs
	// on, over moto's buckets (ingestion_suite_test.go seeds it).
	emu *bedrockemu.Server
	// managerClient is the manager's client (reads from its cache, which
	// holds the field indexes), for tests that run a step directly.
	managerClient client.Client
	// awsFactory is the manager's client factory, for tests that run a
	// step directly as a second (restarted) controller would.
	awsFactory *awsclient.Factory
)

// testAllowedBuckets is the manager's --allowed-buckets in these tests.
var testAllowedBuckets = BucketAllowList{"sidekick-kb-vectors-*", "kbw-*", "acme-corp-docs"}

// testParallelism is how many tests run at once unless -parallel says
// otherwise. The integration tests spend their time waiting on the control
// plane, moto and the emulator (intervals, debounce windows), not on CPU,
// so they overlap far beyond GOMAXPROCS, go test's default.
const testParallelism = 16

func TestMain(m *testing.M) {
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		_ = flag.Set("test.parallel", strconv.Itoa(testParallelism))
	}
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.UseDevMode(true), zap.Level(zapLevel())))
	ctx, cancel := context.WithCancel(context.Background())
	var err error
	if env, err = testenv.Start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "starting the test environment:", err)
		os.Exit(1)
	}
	if emu, err = startEmulator(); err != nil {
		fmt.Fprintln(os.Stderr, "starting the bedrock-agent emulator:", err)
		env.Stop()
		os.Exit(1)
	}
	if err := startManager(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "starting the manager:", err)
		_ = emu.Close()
		env.Stop()
		os.Exit(1)
	}
	code := m.Run()
	if code == 0 {
		if err := checkIAMPolicyCoversEveryCall(); err != nil {
			fmt.Fprintln(os.Stderr, "FAIL: the IAM policy does not cover the manager's calls:", err)
			code = 1
		}
	}
	cancel()
	faults.Close()
	_ = emu.Close()
	env.Stop()
	os.Exit(code)
}

func zapLevel() zapcore.Level {
	if os.Getenv("KBWARDEN_TEST_DEBUG") != "" {
		return zapcore.DebugLevel
	}
	return zapcore.ErrorLevel
}

// startManager runs the real manager with the KnowledgeBase reconciler until ctx ends.
func startManager(ctx context.Context) error {
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme:     env.Scheme,
		Metrics:    metricsserver.Options{BindAddress: "0"},
		Controller: config.Controller{SkipNameValidation: ptr(true)},
		Cache:      CacheOptions(),
	})
	if err != nil {
		return err
	}
	if faults, err = testenv.NewFaultProxy(env.Moto.Endpoint); err != nil {
		return err
	}
	cfg := env.AWS.Copy()
	cfg.BaseEndpoint = &faults.URL
	calls.Install(&cfg)
	admin = s3.NewFromConfig(env.AWS, func(o *s3.Options) { o.UsePathStyle = true }, awsclient.QuietS3)
	adminVectors = s3vectors.NewFromConfig(env.AWS)
	awsFactory = newFactory(cfg)
	r := NewKnowledgeBaseReconciler(Config{
		Client:         mgr.GetClient(),
		Recorder:       mgr.GetEventRecorder(ControllerName),
		APIReader:      mgr.GetAPIReader(),
		AWS:            awsFactory,
		AllowedBuckets: testAllowedBuckets,
		Tenancy:        TenancyOptional,
		Ingestion:      testIngestionOptions,
		// Tests that inject persistent faults keep a worker in the SDK's
		// retry backoff for seconds at a time; enough workers that the
		// other tests' passes still run every interval.
		MaxConcurrentReconciles: 8,
	})
	managerClient = mgr.GetClient()
	if err := r.SetupWithManager(mgr); err != nil {
		return err
	}
	go func() {
		if err := mgr.Start(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "manager stopped:", err)
		}
	}()
	syncCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if !mgr.GetCache().WaitForCacheSync(syncCtx) {
		return fmt.Errorf("the manager's cache did not sync")
	}
	return nil
}

// newFactory is a client factory like the manager's over cfg, with
// bedrock-agent pointed at the emulator.
func newFactory(cfg aws.Config) *awsclient.Factory {
	return awsclient.NewFactory(cfg, "", true, awsclient.WithBedrockAgentOptions(func(o *bedrockagent.Options) {
		o.BaseEndpoint = aws.String(emu.URL())
	}))
}

// updateKB applies mutate to the latest version of kb and updates it,
// retrying on conflicts with the controller's own writes (the finalizer).
func updateKB(ctx context.Context, kb *kbv1.KnowledgeBase, mutate func(*kbv1.KnowledgeBase)) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		latest := &kbv1.KnowledgeBase{}
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(kb), latest); err != nil {
			return err
		}
		mutate(latest)
		return env.Client.Update(ctx, latest)
	})
}

func ptr[T any](v T) *T { return &v }

// newKnowledgeBase returns a valid KnowledgeBase in namespace default with a
// unique name; tests change what they need.
func newKnowledgeBase(name string) *kbv1.KnowledgeBase {
	return &kbv1.KnowledgeBase{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: kbv1.KnowledgeBaseSpec{
			Bedrock:      &kbv1.BedrockSpec{KnowledgeBaseID: idFor("K", name), DataSourceID: idFor("D", name)},
			VectorBucket: kbv1.VectorBucketSpec{Name: "sidekick-kb-vectors-dev-275666109134"},
			Documents:    kbv1.DocumentsSpec{Bucket: "acme-corp-docs", Prefix: "docs/"},
		},
	}
}

// idFor derives a Bedrock-shaped ID (10 characters) from a test's object
// name, so tests running in parallel never share a knowledge base.
func idFor(prefix, name string) string {
	sum := sha256.Sum256([]byte(name))
	return prefix + strings.ToUpper(base32.StdEncoding.EncodeToString(sum[:]))[:9]
}

// createKB seeds kb's knowledge base and data source in the emulator, from
// its spec as the test left it, unless they are seeded already; then it
// creates kb and deletes it when the test ends.
func createKB(t *testing.T, kb *kbv1.KnowledgeBase) error {
	t.Helper()
	err := emu.AddKnowledgeBase(bedrockemu.KnowledgeBase{ID: kb.Spec.Bedrock.KnowledgeBaseID,
		VectorStore: bedrockemu.VectorStore{Bucket: kb.Spec.VectorBucket.Name},
		DataSources: []bedrockemu.DataSource{{ID: kb.Spec.Bedrock.DataSourceID, Bucket: kb.Spec.Documents.Bucket, Prefix: kb.Spec.Documents.Prefix,
			AccessControl: kb.AccessControlMode() != kbv1.AccessControlNone}}})
	if err != nil && !strings.Contains(err.Error(), "already exists") {
		return err
	}
	if err := env.Client.Create(context.Background(), kb); err != nil {
		return err
	}
	deleteOnCleanup(t, kb)
	return nil
}

// eventually is gomega's Eventually with the timeouts these tests use.
func eventually(g gomega.Gomega, f any) gomega.AsyncAssertion {
	return g.Eventually(f).WithTimeout(30 * time.Second).WithPolling(100 * time.Millisecond)
}
