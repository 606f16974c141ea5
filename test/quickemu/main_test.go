package quickemu

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/kbwarden/kbwarden/internal/testenv"
)

// moto is started at most once per test binary, and only by tests that
// need it, so the parser tests and fuzzing do not pay its start.
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

func needMoto(t testing.TB) {
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

const (
	acct       = testenv.AccountID
	queuedFor  = time.Minute
	runningFor = 4 * time.Minute
	ingestTime = queuedFor + runningFor
)

var epoch0 = time.Date(2025, 10, 20, 9, 0, 0, 0, time.UTC)

// env is one emulator over a fresh moto bucket, driven by a fake clock.
type env struct {
	t     testing.TB
	srv   *Server
	clock *clocktesting.FakeClock
	s3    *s3.Client
	docs  string
}

func newEnv(t testing.TB, tune ...func(*Config)) *env {
	t.Helper()
	needMoto(t)
	e := &env{t: t, clock: clocktesting.NewFakeClock(epoch0)}
	e.s3 = s3.NewFromConfig(motoCfg, func(o *s3.Options) { o.UsePathStyle = true })
	e.docs = "docs-" + randomSuffix()
	if _, err := e.s3.CreateBucket(e.ctx(), &s3.CreateBucketInput{Bucket: aws.String(e.docs)}); err != nil {
		t.Fatal(err)
	}
	cfg := Config{S3Endpoint: motoSrv.Endpoint, AWS: &motoCfg, Clock: e.clock, QueuedFor: queuedFor, RunningFor: runningFor}
	for _, f := range tune {
		f(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	e.srv = srv
	return e
}

func randomSuffix() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (e *env) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	e.t.Cleanup(cancel)
	return ctx
}

func (e *env) put(key, body string) {
	e.t.Helper()
	_, err := e.s3.PutObject(e.ctx(), &s3.PutObjectInput{Bucket: aws.String(e.docs), Key: aws.String(key), Body: strings.NewReader(body)})
	if err != nil {
		e.t.Fatal(err)
	}
}

// addKB seeds a knowledge base over the env's bucket.
func (e *env) addKB(id string, mode ACLMode, tune ...func(*KnowledgeBase)) {
	e.t.Helper()
	kb := KnowledgeBase{AccountID: acct, ID: id, Bucket: e.docs, AccessControl: mode}
	for _, f := range tune {
		f(&kb)
	}
	if err := e.srv.AddKnowledgeBase(kb); err != nil {
		e.t.Fatal(err)
	}
}

// ingest runs one manual ingestion to its end and returns it.
func (e *env) ingest(id string) Ingestion {
	e.t.Helper()
	if _, err := e.srv.StartIngestion(acct, id); err != nil {
		e.t.Fatalf("StartIngestion(%s): %v", id, err)
	}
	e.clock.Step(ingestTime)
	list := e.srv.Ingestions(acct, id)
	return list[len(list)-1]
}
