package bedrockemu

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagent"
	bt "github.com/aws/aws-sdk-go-v2/service/bedrockagent/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3vectors"

	"github.com/kbwarden/kbwarden/internal/testenv"
)

// moto is started at most once per test binary, and only by tests that
// need it, so policy unit tests and fuzzing do not pay its ~3 s start.
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

// Seeded IDs used throughout the tests.
const (
	kbID   = "KBTEST0001"
	dsID   = "DSTEST0001"
	kb2ID  = "KBTEST0002"
	ds2ID  = "DSTEST0002"
	ds3ID  = "DSTEST0003"
	region = testenv.Region
	acct   = testenv.AccountID
)

// Job phases in tests: STARTING for 1s, IN_PROGRESS for 5s, STOPPING 2s.
const (
	startingFor = time.Second
	runningFor  = 5 * time.Second
	stoppingFor = 2 * time.Second
	jobLength   = startingFor + runningFor
)

// env is one emulator over fresh moto buckets, driven by a manual clock.
type env struct {
	t       *testing.T
	srv     *Server
	clock   *ManualClock
	api     *bedrockagent.Client
	s3      *s3.Client
	vectors *s3vectors.Client
	docs    string // documents bucket of dsID (prefix "docs/")
	vec     string // vector bucket of kbID (type S3, runbook's corrected policy)
}

// newEnv seeds kbID (data sources dsID and ds2ID, both on docs/ of the
// same bucket) and kb2ID (ds3ID), with throttling off unless tune turns it
// on, and serves on a loopback port.
func newEnv(t *testing.T, tune ...func(*Config)) *env {
	t.Helper()
	needMoto(t)
	e := &env{t: t, clock: NewManualClock(time.Date(2025, 10, 20, 9, 0, 0, 0, time.UTC))}
	e.s3 = s3.NewFromConfig(motoCfg, func(o *s3.Options) { o.UsePathStyle = true })
	e.vectors = s3vectors.NewFromConfig(motoCfg)
	suffix := randomSuffix()
	e.docs, e.vec = "docs-"+suffix, "vec-"+suffix
	e.createBucket(e.docs)
	e.createBucket(e.vec)
	e.putPolicy(e.vec, correctedPolicy(e.vec))
	cfg := Config{
		S3Endpoint: motoSrv.Endpoint, AWS: &motoCfg, Clock: e.clock,
		StartingFor: startingFor, RunningFor: runningFor, StoppingFor: stoppingFor,
		StartInterval: -1,
		KnowledgeBases: []KnowledgeBase{
			{ID: kbID, Name: "sidekick", VectorStore: VectorStore{Bucket: e.vec}, DataSources: []DataSource{
				{ID: dsID, Bucket: e.docs, Prefix: "docs/"},
				{ID: ds2ID, Bucket: e.docs, Prefix: "other/"},
			}},
			{ID: kb2ID, VectorStore: VectorStore{Bucket: e.vec}, DataSources: []DataSource{{ID: ds3ID, Bucket: e.docs, Prefix: "kb2/"}}},
		},
	}
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
	e.api = bedrockagent.NewFromConfig(motoCfg, func(o *bedrockagent.Options) {
		o.BaseEndpoint = aws.String(srv.URL())
		o.RetryMaxAttempts = 1 // see throttling and errors exactly as sent
	})
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

func (e *env) createBucket(name string) {
	e.t.Helper()
	if _, err := e.s3.CreateBucket(e.ctx(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) put(bucket, key, body string) {
	e.t.Helper()
	_, err := e.s3.PutObject(e.ctx(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) remove(bucket, key string) {
	e.t.Helper()
	if _, err := e.s3.DeleteObject(e.ctx(), &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) putPolicy(bucket, policy string) {
	e.t.Helper()
	if _, err := e.s3.PutBucketPolicy(e.ctx(), &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(policy)}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) keys(bucket, prefix string) []string {
	e.t.Helper()
	out, err := e.s3.ListObjectsV2(e.ctx(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	if err != nil {
		e.t.Fatal(err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	return keys
}

func (e *env) start(kb, ds string) *bt.IngestionJob {
	e.t.Helper()
	out, err := e.api.StartIngestionJob(e.ctx(), &bedrockagent.StartIngestionJobInput{KnowledgeBaseId: aws.String(kb), DataSourceId: aws.String(ds)})
	if err != nil {
		e.t.Fatalf("StartIngestionJob(%s, %s): %v", kb, ds, err)
	}
	return out.IngestionJob
}

func (e *env) get(kb, ds, id string) *bt.IngestionJob {
	e.t.Helper()
	out, err := e.api.GetIngestionJob(e.ctx(), &bedrockagent.GetIngestionJobInput{KnowledgeBaseId: aws.String(kb), DataSourceId: aws.String(ds), IngestionJobId: aws.String(id)})
	if err != nil {
		e.t.Fatalf("GetIngestionJob(%s): %v", id, err)
	}
	return out.IngestionJob
}

// sync runs one job of dsID to its end and returns it as GetIngestionJob
// reports it.
func (e *env) sync() *bt.IngestionJob {
	e.t.Helper()
	j := e.start(kbID, dsID)
	e.clock.Advance(jobLength)
	return e.get(kbID, dsID, aws.ToString(j.IngestionJobId))
}

// policyFor renders the runbook's bucket policy with the given actions.
func policyFor(bucket string, actions ...string) string {
	return fmt.Sprintf(`{
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "BedrockKnowledgeBaseAccess",
    "Effect": "Allow",
    "Principal": {"Service": "bedrock.amazonaws.com"},
    "Action": [%s],
    "Resource": ["arn:aws:s3:::%s", "arn:aws:s3:::%s/*"],
    "Condition": {
      "StringEquals": {"aws:SourceAccount": "%s"},
      "ArnLike": {"aws:SourceArn": "arn:aws:bedrock:%s:%s:knowledge-base/*"}
    }
  }]
}`, `"`+strings.Join(actions, `", "`)+`"`, bucket, bucket, acct, region, acct)
}

// faultyPolicy is the runbook's broken policy: no s3:PutObject.
func faultyPolicy(bucket string) string { return policyFor(bucket, "s3:GetObject", "s3:ListBucket") }

// correctedPolicy is the runbook's fix.
func correctedPolicy(bucket string) string {
	return policyFor(bucket, "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket")
}
