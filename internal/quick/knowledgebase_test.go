package quick_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/kbwarden/kbwarden/internal/awserr"
	"github.com/kbwarden/kbwarden/internal/quick"
	"github.com/kbwarden/kbwarden/internal/quick/types"
)

// TestDescribeKnowledgeBaseFollowsIngestion: DescribeKnowledgeBase is how a
// caller follows an ingestion (the API has no ingestion operations), so
// its summaries must track the emulator's QUEUED, RUNNING and COMPLETED.
func TestDescribeKnowledgeBaseFollowsIngestion(t *testing.T) {
	needMoto(t)
	s3c := s3.NewFromConfig(motoCfg, func(o *s3.Options) { o.UsePathStyle = true })
	bucket := "quick-docs-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	if _, err := s3c.CreateBucket(ctx(t), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a.txt", "b.txt"} {
		if _, err := s3c.PutObject(ctx(t), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), Body: strings.NewReader("hello")}); err != nil {
			t.Fatal(err)
		}
	}
	srv, clock := emulator(t, bucket)
	c := client(t, srv)
	describe := func() *types.KnowledgeBase {
		t.Helper()
		out, err := c.DescribeKnowledgeBase(ctx(t), &quick.DescribeKnowledgeBaseInput{AwsAccountId: aws.String(acct), KnowledgeBaseId: aws.String("kb")})
		if err != nil {
			t.Fatal(err)
		}
		if out.Status != 200 || aws.ToString(out.RequestId) == "" {
			t.Errorf("status %d, request ID %q", out.Status, aws.ToString(out.RequestId))
		}
		return out.KnowledgeBase
	}
	kb := describe()
	if kb.LatestIngestionSummary != nil || kb.Status != types.DataSetStatusActive || aws.ToBool(kb.AccessControlConfiguration.IsACLEnabled) {
		t.Fatalf("before any ingestion: %+v", kb)
	}

	id, err := srv.StartIngestion(acct, "kb")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.StartIngestion(acct, "kb"); !awserr.Is(err, awserr.Conflict) {
		t.Fatalf("a second manual refresh: %v, want a Conflict", err)
	}
	steps := []struct {
		step   time.Duration
		status types.KbIngestionStatus
	}{{0, types.KbIngestionStatusQueued}, {time.Minute, types.KbIngestionStatusRunning}, {4 * time.Minute, types.KbIngestionStatusCompleted}}
	for _, s := range steps {
		clock.Step(s.step)
		kb = describe()
		sum := kb.LatestIngestionSummary
		if sum == nil || aws.ToString(sum.IngestionId) != id || sum.IngestionStatus != s.status || !sum.StartTime.Equal(epoch0) {
			t.Fatalf("at +%s: %+v, want %s", clock.Since(epoch0), sum, s.status)
		}
		if s.status.Terminal() != (sum.EndTime != nil) {
			t.Errorf("%s: EndTime %v", s.status, sum.EndTime)
		}
	}
	if !kb.LatestIngestionSummary.EndTime.Equal(epoch0.Add(5*time.Minute)) || aws.ToInt64(kb.DocumentCount) != 2 ||
		kb.FirstCompletedIngestionSummary == nil || aws.ToString(kb.FirstCompletedIngestionSummary.IngestionId) != id {
		t.Errorf("after COMPLETED: %+v", kb)
	}
}
