package bedrockemu

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagent"
	bt "github.com/aws/aws-sdk-go-v2/service/bedrockagent/types"
	"github.com/aws/smithy-go"
	. "github.com/onsi/gomega"
)

// TestJobLifecycle follows one job through its states as the clock moves,
// through the real SDK client.
func TestJobLifecycle(t *testing.T) {
	g := NewWithT(t)
	e := newEnv(t)
	e.put(e.docs, "docs/a.txt", "alpha")
	e.put(e.docs, "docs/b.txt", "beta")
	t0 := e.clock.Now()
	started := e.start(kbID, dsID)
	id := aws.ToString(started.IngestionJobId)
	g.Expect(id).To(MatchRegexp(`^[0-9A-Z]{10}$`))
	g.Expect(started.Status).To(Equal(bt.IngestionJobStatusStarting))
	g.Expect(*started.StartedAt).To(BeTemporally("==", t0))

	steps := []struct {
		advance     time.Duration
		status      bt.IngestionJobStatus
		updatedAt   time.Time
		newDocs     int64
		withReasons bool
	}{
		{0, bt.IngestionJobStatusStarting, t0, 0, false},
		{startingFor - time.Millisecond, bt.IngestionJobStatusStarting, t0, 0, false},
		{time.Millisecond, bt.IngestionJobStatusInProgress, t0.Add(startingFor), 0, false},
		{runningFor - time.Millisecond, bt.IngestionJobStatusInProgress, t0.Add(startingFor), 0, false},
		{time.Millisecond, bt.IngestionJobStatusComplete, t0.Add(jobLength), 2, false},
		{time.Hour, bt.IngestionJobStatusComplete, t0.Add(jobLength), 2, false},
	}
	for i, s := range steps {
		e.clock.Advance(s.advance)
		j := e.get(kbID, dsID, id)
		g.Expect(j.Status).To(Equal(s.status), "step %d", i)
		g.Expect(*j.UpdatedAt).To(BeTemporally("==", s.updatedAt), "step %d", i)
		g.Expect(aws.ToString(j.KnowledgeBaseId)).To(Equal(kbID))
		g.Expect(aws.ToString(j.DataSourceId)).To(Equal(dsID))
		g.Expect(j.Statistics.NumberOfNewDocumentsIndexed).To(Equal(s.newDocs), "step %d", i)
		g.Expect(j.FailureReasons).To(BeEmpty())
	}
	g.Expect(e.srv.CallCount(OpStartIngestionJob)).To(Equal(1))
	g.Expect(e.srv.CallCount(OpGetIngestionJob)).To(Equal(len(steps)))
}

func TestStopIngestionJob(t *testing.T) {
	g := NewWithT(t)
	e := newEnv(t)
	e.put(e.docs, "docs/a.txt", "alpha")
	stop := func(id string) (*bt.IngestionJob, error) {
		out, err := e.api.StopIngestionJob(e.ctx(), &bedrockagent.StopIngestionJobInput{
			KnowledgeBaseId: aws.String(kbID), DataSourceId: aws.String(dsID), IngestionJobId: aws.String(id)})
		if err != nil {
			return nil, err
		}
		return out.IngestionJob, nil
	}
	id := aws.ToString(e.start(kbID, dsID).IngestionJobId)
	e.clock.Advance(startingFor) // IN_PROGRESS
	j, err := stop(id)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(j.Status).To(Equal(bt.IngestionJobStatusStopping))

	var conflict *bt.ConflictException
	_, err = stop(id)
	g.Expect(errors.As(err, &conflict)).To(BeTrue(), "stopping a STOPPING job: %v", err)
	// While STOPPING, the data source is still busy.
	_, err = e.api.StartIngestionJob(e.ctx(), &bedrockagent.StartIngestionJobInput{KnowledgeBaseId: aws.String(kbID), DataSourceId: aws.String(dsID)})
	g.Expect(errors.As(err, &conflict)).To(BeTrue(), "starting while STOPPING: %v", err)

	e.clock.Advance(stoppingFor)
	j = e.get(kbID, dsID, id)
	g.Expect(j.Status).To(Equal(bt.IngestionJobStatusStopped))
	g.Expect(*j.UpdatedAt).To(BeTemporally("==", j.StartedAt.Add(startingFor+stoppingFor)))
	_, err = stop(id)
	g.Expect(errors.As(err, &conflict)).To(BeTrue(), "stopping a STOPPED job: %v", err)

	// A stopped job is not a COMPLETE one: the next job sees the
	// document as new.
	done := e.sync()
	g.Expect(done.Status).To(Equal(bt.IngestionJobStatusComplete))
	g.Expect(done.Statistics.NumberOfNewDocumentsIndexed).To(BeEquivalentTo(1))
	_, err = stop(aws.ToString(done.IngestionJobId))
	g.Expect(errors.As(err, &conflict)).To(BeTrue(), "stopping a COMPLETE job: %v", err)
}

// TestConflict: one running job per knowledge base, whichever data source.
func TestConflict(t *testing.T) {
	e := newEnv(t)
	e.start(kbID, dsID)
	cases := []struct {
		name, kb, ds string
		conflict     bool
	}{
		{"same data source", kbID, dsID, true},
		{"other data source of the same knowledge base", kbID, ds2ID, true},
		{"other knowledge base", kb2ID, ds3ID, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			_, err := e.api.StartIngestionJob(e.ctx(), &bedrockagent.StartIngestionJobInput{KnowledgeBaseId: aws.String(c.kb), DataSourceId: aws.String(c.ds)})
			var conflict *bt.ConflictException
			g.Expect(errors.As(err, &conflict)).To(Equal(c.conflict), "error: %v", err)
			if c.conflict {
				g.Expect(conflict.ErrorMessage()).To(ContainSubstring("Wait for it to finish"))
			}
		})
	}
	e.clock.Advance(jobLength)
	NewWithT(t).Expect(e.start(kbID, ds2ID).Status).To(Equal(bt.IngestionJobStatusStarting))
}

func TestServiceQuota(t *testing.T) {
	g := NewWithT(t)
	e := newEnv(t, func(c *Config) { c.MaxConcurrentJobs = 1 })
	e.start(kbID, dsID)
	_, err := e.api.StartIngestionJob(e.ctx(), &bedrockagent.StartIngestionJobInput{KnowledgeBaseId: aws.String(kb2ID), DataSourceId: aws.String(ds3ID)})
	var quota *bt.ServiceQuotaExceededException
	g.Expect(errors.As(err, &quota)).To(BeTrue(), "error: %v", err)
}

// TestThrottling: the default quota is one start per 10 s per account, and
// a start by someone else (the hook) spends it too.
func TestThrottling(t *testing.T) {
	g := NewWithT(t)
	e := newEnv(t, func(c *Config) { c.StartInterval = 0 }) // the default
	startErr := func(kb, ds string) error {
		_, err := e.api.StartIngestionJob(e.ctx(), &bedrockagent.StartIngestionJobInput{KnowledgeBaseId: aws.String(kb), DataSourceId: aws.String(ds)})
		return err
	}
	var throttled *bt.ThrottlingException
	g.Expect(startErr(kbID, dsID)).To(Succeed())
	err := startErr(kb2ID, ds3ID)
	g.Expect(errors.As(err, &throttled)).To(BeTrue(), "second start within 10s: %v", err)

	e.clock.Advance(9 * time.Second)
	g.Expect(errors.As(startErr(kb2ID, ds3ID), &throttled)).To(BeTrue(), "after 9s")
	e.clock.Advance(time.Second)
	g.Expect(startErr(kb2ID, ds3ID)).To(Succeed(), "after 10s")

	// Someone else starts a job: the quota is gone for us too.
	e.clock.Advance(10 * time.Second) // both jobs are over, quota refilled
	other, err := e.srv.StartIngestionJob(e.ctx(), kbID, dsID, "", "started by a person in the console")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(other.Status).To(Equal(StatusStarting))
	err = startErr(kb2ID, ds3ID)
	g.Expect(errors.As(err, &throttled)).To(BeTrue(), "after someone else's start: %v", err)
	var apiErr smithy.APIError
	_, hookErr := e.srv.StartIngestionJob(e.ctx(), kb2ID, ds3ID, "", "")
	g.Expect(errors.As(hookErr, &apiErr)).To(BeTrue())
	g.Expect(apiErr.ErrorCode()).To(Equal("ThrottlingException"))

	// Hook calls are not endpoint calls.
	g.Expect(e.srv.CallCount(OpStartIngestionJob)).To(Equal(5))
}

func TestClientTokenIdempotency(t *testing.T) {
	g := NewWithT(t)
	e := newEnv(t)
	token := "kbwarden-0123456789abcdef0123456789abcdef"
	start := func(ds, description string) (*bt.IngestionJob, error) {
		in := &bedrockagent.StartIngestionJobInput{KnowledgeBaseId: aws.String(kbID), DataSourceId: aws.String(ds), ClientToken: aws.String(token)}
		if description != "" {
			in.Description = aws.String(description)
		}
		out, err := e.api.StartIngestionJob(e.ctx(), in)
		if err != nil {
			return nil, err
		}
		return out.IngestionJob, nil
	}
	first, err := start(dsID, "")
	g.Expect(err).NotTo(HaveOccurred())
	e.clock.Advance(startingFor)
	again, err := start(dsID, "") // a retry, not a conflict
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(again.IngestionJobId).To(Equal(first.IngestionJobId))
	g.Expect(again.Status).To(Equal(bt.IngestionJobStatusInProgress))

	var conflict *bt.ConflictException
	_, err = start(ds2ID, "")
	g.Expect(errors.As(err, &conflict)).To(BeTrue(), "same token, other data source: %v", err)
	_, err = start(dsID, "different")
	g.Expect(errors.As(err, &conflict)).To(BeTrue(), "same token, other description: %v", err)

	jobs, err := e.srv.Jobs(e.ctx(), kbID, dsID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(jobs).To(HaveLen(1))

	e.clock.Advance(8*time.Hour + time.Second) // the window is over
	later, err := start(dsID, "")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(later.IngestionJobId).NotTo(Equal(first.IngestionJobId))
}
