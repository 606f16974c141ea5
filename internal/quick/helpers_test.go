package quick_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/kbwarden/kbwarden/internal/quick"
	"github.com/kbwarden/kbwarden/internal/testenv"
	"github.com/kbwarden/kbwarden/test/quickemu"
)

const (
	acct   = testenv.AccountID
	region = testenv.Region
)

var epoch0 = time.Date(2025, 10, 20, 9, 0, 0, 0, time.UTC)

// moto is started once per test binary, and only for the test that reads
// documents.
var (
	motoOnce sync.Once
	motoSrv  *testenv.Moto
	motoCfg  aws.Config
	motoErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if motoSrv != nil {
		motoSrv.Stop()
	}
	os.Exit(code)
}

func needMoto(t *testing.T) {
	t.Helper()
	motoOnce.Do(func() {
		ctx := context.Background()
		if motoSrv, motoErr = testenv.StartMoto(ctx); motoErr == nil {
			motoCfg, motoErr = motoSrv.AWSConfig(ctx)
		}
	})
	if motoErr != nil {
		t.Fatalf("starting moto: %v", motoErr)
	}
}

// emulator serves a quickemu on a loopback port with knowledge base "kb"
// (access control off) over bucket, driven by a fake clock.
func emulator(t testing.TB, bucket string, tune ...func(*quickemu.Config)) (*quickemu.Server, *clocktesting.FakeClock) {
	t.Helper()
	clock := clocktesting.NewFakeClock(epoch0)
	cfg := quickemu.Config{Region: region, Clock: clock, QueuedFor: time.Minute, RunningFor: 4 * time.Minute}
	if motoSrv != nil {
		cfg.S3Endpoint, cfg.AWS = motoSrv.Endpoint, &motoCfg
	}
	for _, f := range tune {
		f(&cfg)
	}
	srv, err := quickemu.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.AddKnowledgeBase(quickemu.KnowledgeBase{AccountID: acct, ID: "kb", Bucket: bucket}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv, clock
}

// awsConfig is the SDK configuration a controller would load, with static
// test credentials: LoadDefaultConfig keeps the SDK's HTTP client and the
// environment's endpoint settings.
func awsConfig(t testing.TB) aws.Config {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// noBackoff is the SDK's standard retryer without its sleeps: tests count
// attempts, they do not wait for them.
func noBackoff() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	})
}

// client points the real client at srv.
func client(t testing.TB, srv *quickemu.Server, optFns ...func(*quick.Options)) *quick.Client {
	t.Helper()
	return quick.NewFromConfig(awsConfig(t), append([]func(*quick.Options){func(o *quick.Options) {
		o.BaseEndpoint = aws.String(srv.URL())
		o.Retryer = noBackoff()
	}}, optFns...)...)
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}
