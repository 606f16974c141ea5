package controllers

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/ingestion"
	"github.com/kbwarden/kbwarden/internal/metrics"
)

// Event reasons of the ingestion step; failures use the condition reasons.
const (
	eventIngestionStarted   = "IngestionStarted"
	eventIngestionCompleted = "IngestionCompleted"
	eventIngestionRecovered = "IngestionRecovered"
)

// inputs gathers what ingestion.Decide looks at, defaulting the spec.
func (p *ingestionPass) inputs() ingestion.Inputs {
	in := ingestion.Inputs{Now: p.now, OnChange: true, Debounce: kbv1.DefaultDebounce, Interval: kbv1.DefaultIngestionInterval}
	if s := p.obj.Spec.Ingestion; s != nil {
		if s.OnChange != nil {
			in.OnChange = *s.OnChange
		}
		if s.Debounce.Duration > 0 {
			in.Debounce = s.Debounce.Duration
		}
		if s.Interval.Duration > 0 {
			in.Interval = s.Interval.Duration
		}
	}
	in.ACLHash, in.Fingerprint = p.current()
	in.RulesHash = p.acl.rulesHash
	if t := p.acl.documentsChangedAt; t != nil {
		// Rounded up, so the debounce is never up to a second short.
		in.DocumentsChangedAt = latestInstant(t)
	}
	st := p.obj.Status.Ingestion
	if j := st.LastJob; j != nil {
		in.Last = &ingestion.JobRef{ID: j.ID, ACLHash: j.ACLHash, Fingerprint: j.DocumentsFingerprint, RulesHash: j.RulesHash}
		if j.StartedAt != nil {
			in.Last.StartedAt = j.StartedAt.Time
		}
	}
	if s := st.LastSuccessfulJob; s != nil && s.UpdatedAt != nil {
		in.LastSuccessEnd = s.UpdatedAt.Time
	}
	if token, pending := p.obj.RequestedAt(); pending {
		in.ManualToken = token
	}
	in.RepairReady = repairReady(st.LastJob, p.policy)
	return in
}

// adopt runs the first time kbwarden sees a KnowledgeBase (or after its
// status was lost): the data source's recent jobs tell whether one runs
// and when the last one completed, so kbwarden neither collides with a
// running job nor starts one the daily sync made unnecessary.
func (p *ingestionPass) adopt(ctx context.Context) error {
	jobs, err := p.listJobs(ctx, false, 10)
	if err != nil || len(jobs) == 0 {
		return err
	}
	st := p.obj.Status.Ingestion
	for _, s := range jobs {
		if string(s.Status) == jobComplete {
			st.LastSuccessfulJob = jobFromSummary(s, nil)
			assumeIncludes(st.LastSuccessfulJob, p.acl)
			break
		}
	}
	last := jobFromSummary(jobs[0], nil)
	if !jobRunning(last) {
		if last, err = p.getJob(ctx, last); err != nil { // for its failure reasons
			return err
		}
	}
	assumeIncludes(last, p.acl)
	p.observe(ctx, last)
	return nil
}

// observe records what kbwarden now knows of a job, and reports a job that
// is new to it or has just ended: events and metrics move only then.
func (p *ingestionPass) observe(ctx context.Context, job *kbv1.IngestionJob) {
	st := p.obj.Status.Ingestion
	prev := st.LastJob
	st.LastJob = job
	isNew := prev == nil || prev.ID != job.ID
	switch {
	case jobRunning(job) && isNew:
		p.s.events.event(p.obj, corev1.EventTypeNormal, eventIngestionStarted, "Ingest",
			"ingestion job %s (trigger %s) is %s; kbwarden waits for it to end", job.ID, job.Trigger, job.Status)
	case !jobRunning(job) && (isNew || jobRunning(prev)):
		p.ended(ctx, job)
	}
}

// started records a job kbwarden started.
func (p *ingestionPass) started(job *kbv1.IngestionJob, d ingestion.Decision) {
	p.obj.Status.Ingestion.LastJob = job
	// A pass that read the KnowledgeBase before the previous pass's status
	// reached the cache decides the same start again, and the clientToken
	// makes AWS return the same job: it is counted and reported once.
	if prev, seen := p.s.lastStarted.Swap(p.obj.UID, job.ID); !seen || prev != job.ID {
		metrics.IngestionJobsStarted.WithLabelValues(p.obj.Namespace, p.obj.Name, string(d.Trigger)).Inc()
		p.s.events.event(p.obj, corev1.EventTypeNormal, eventIngestionStarted, "Ingest", "started ingestion job %s (trigger %s: %s)", job.ID, d.Trigger, d.Why)
	}
	p.setOutcome(kbv1.IngestionInProgressReason, "ingestion job %s (trigger %s: %s) is %s", job.ID, d.Trigger, d.Why, job.Status)
}

// ended reports a job seen ending: condition, event and metrics, and for a
// failure on an access error, the runbook's diagnosis (and repair).
func (p *ingestionPass) ended(ctx context.Context, job *kbv1.IngestionJob) {
	// What changed while the job ran is seen at the next pass, not at the
	// next interval: the access control step lists the documents again.
	p.s.aclChecks.request(p.obj.UID)
	ns, name := p.obj.Namespace, p.obj.Name
	if job.StartedAt != nil && job.UpdatedAt != nil {
		metrics.IngestionJobDuration.WithLabelValues(ns, name).Observe(job.UpdatedAt.Sub(job.StartedAt.Time).Seconds())
	}
	prevOutcome := apimeta.FindStatusCondition(p.obj.Status.Conditions, kbv1.IngestionSucceededCondition)
	wasFailing := prevOutcome != nil && prevOutcome.Status == metav1.ConditionFalse
	what := describeJob(job)
	switch job.Status {
	case jobComplete:
		p.obj.Status.Ingestion.LastSuccessfulJob = job.DeepCopy()
		p.observeExposure(job)
		metrics.LastSuccessfulIngestion.WithLabelValues(ns, name).Set(float64(job.UpdatedAt.Unix()))
		switch {
		case len(job.FailureReasons) > 0:
			p.s.events.event(p.obj, corev1.EventTypeWarning, kbv1.IngestionCompletedWithFailuresReason, "Ingest", "%s completed with failures: %s", what, summarize(job.FailureReasons))
		case wasFailing:
			p.s.events.event(p.obj, corev1.EventTypeNormal, eventIngestionRecovered, "Ingest", "%s completed%s; ingestion recovered", what, statsOf(job))
		default:
			p.s.events.event(p.obj, corev1.EventTypeNormal, eventIngestionCompleted, "Ingest", "%s completed%s", what, statsOf(job))
		}
		markOutcome(p.obj, job)
	case jobStopped:
		metrics.IngestionJobsFailed.WithLabelValues(ns, name, kbv1.IngestionStoppedReason).Inc()
		p.s.events.event(p.obj, corev1.EventTypeWarning, kbv1.IngestionStoppedReason, "Ingest", "%s was stopped", what)
		markOutcome(p.obj, job)
	default:
		reason, detail := kbv1.IngestionFailedReason, summarize(job.FailureReasons)
		if isAccessError(job.FailureReasons) {
			reason = kbv1.AccessDeniedReason
			detail = diagnoseAccessFailure(job, p.policy) + " (Bedrock said: " + detail + ")"
		}
		metrics.IngestionJobsFailed.WithLabelValues(ns, name, reason).Inc()
		markFalse(p.obj, kbv1.IngestionSucceededCondition, reason, "%s failed: %s", what, detail)
		p.s.events.event(p.obj, corev1.EventTypeWarning, reason, "Ingest", "%s failed: %s", what, detail)
	}
}

// markOutcome sets IngestionSucceeded from an ended job, without the
// diagnosis (which ended adds once, when it sees the job end).
func markOutcome(obj *kbv1.KnowledgeBase, job *kbv1.IngestionJob) {
	what := describeJob(job)
	switch {
	case job.Status == jobComplete && len(job.FailureReasons) > 0:
		markFalse(obj, kbv1.IngestionSucceededCondition, kbv1.IngestionCompletedWithFailuresReason,
			"%s completed, but %d documents failed: %s", what, failedCount(job), summarize(job.FailureReasons))
	case job.Status == jobComplete:
		markTrue(obj, kbv1.IngestionSucceededCondition, kbv1.SucceededReason, "%s completed at %s%s", what, stamp(job.UpdatedAt), statsOf(job))
	case job.Status == jobStopped:
		markFalse(obj, kbv1.IngestionSucceededCondition, kbv1.IngestionStoppedReason, "%s was stopped at %s", what, stamp(job.UpdatedAt))
	case isAccessError(job.FailureReasons):
		markFalse(obj, kbv1.IngestionSucceededCondition, kbv1.AccessDeniedReason, "%s failed: %s", what, summarize(job.FailureReasons))
	default:
		markFalse(obj, kbv1.IngestionSucceededCondition, kbv1.IngestionFailedReason, "%s failed: %s", what, summarize(job.FailureReasons))
	}
}

func describeJob(job *kbv1.IngestionJob) string {
	return fmt.Sprintf("ingestion job %s (trigger %s)", job.ID, job.Trigger)
}

// setOutcome sets IngestionSucceeded while a job is running or due.
func (p *ingestionPass) setOutcome(reason, format string, args ...any) {
	keepOutcome(p.obj, reason, format, args...)
}

// keepOutcome sets IngestionSucceeded's reason and message but keeps the
// status of the last outcome (True after a success, False after a failure)
// while a job runs or is due, or while ingestion cannot be looked at (a
// block, a throttled or failed call). A healthy KnowledgeBase stays Ready
// during its daily sync, Reconciling says work is under way, and a job that
// completes after a failure is still reported as a recovery however many
// throttled passes came between.
func keepOutcome(obj *kbv1.KnowledgeBase, reason, format string, args ...any) {
	setCondition(obj, kbv1.IngestionSucceededCondition, lastOutcome(obj), reason, format, args...)
}

// lastOutcome is IngestionSucceeded's status as the last ended job set it,
// Unknown when no job was seen ending.
func lastOutcome(obj *kbv1.KnowledgeBase) metav1.ConditionStatus {
	if c := apimeta.FindStatusCondition(obj.Status.Conditions, kbv1.IngestionSucceededCondition); c != nil &&
		c.Reason != kbv1.NotEvaluatedReason && c.Status != metav1.ConditionUnknown {
		return c.Status
	}
	return metav1.ConditionUnknown
}

// waitForJob says a job runs and asks to look again after a delay that
// grows with the job's age.
func (p *ingestionPass) waitForJob() error {
	j := p.obj.Status.Ingestion.LastJob
	age := time.Duration(0)
	if j.StartedAt != nil {
		age = p.now.Sub(j.StartedAt.Time)
	}
	after := ingestion.PollDelay(age, p.s.opts.PollMin, p.s.opts.PollMax)
	c := apimeta.FindStatusCondition(p.obj.Status.Conditions, kbv1.IngestionSucceededCondition)
	if c == nil || c.Reason != kbv1.IngestionInProgressReason || !strings.Contains(c.Message, j.ID) || !strings.HasSuffix(c.Message, " is "+j.Status) {
		p.setOutcome(kbv1.IngestionInProgressReason, "ingestion job %s (trigger %s) is %s", j.ID, j.Trigger, j.Status)
	}
	return waitingMetered(kbv1.IngestionInProgressReason, after, "ingestion job %s is %s; looking again in %s", j.ID, j.Status, after)
}

// pending says a job is due but must wait (debounce, start queue, another
// job of the knowledge base).
func (p *ingestionPass) pending(after time.Duration, format string, args ...any) *WaitingError {
	msg := fmt.Sprintf(format, args...)
	p.setOutcome(kbv1.IngestionPendingReason, "%s", msg)
	return &WaitingError{Reason: kbv1.IngestionPendingReason, RequeueAfter: after,
		Err: fmt.Errorf("%s; looking again in %s", msg, after.Round(time.Millisecond))}
}

// reportSettled leaves the last job's outcome in place; it fills the
// condition when nothing was ever reported (no job known at all), and puts
// the last outcome back when the condition still shows a wait or an error
// of an earlier pass (a trigger that went away, a call that failed once).
func (p *ingestionPass) reportSettled() {
	c := apimeta.FindStatusCondition(p.obj.Status.Conditions, kbv1.IngestionSucceededCondition)
	if c == nil || p.notAnOutcome(c.Reason) {
		if j := p.obj.Status.Ingestion.LastJob; j != nil && !jobRunning(j) {
			markOutcome(p.obj, j) // a pending trigger went away: the last outcome stands
			return
		}
		markUnknown(p.obj, kbv1.IngestionSucceededCondition, kbv1.IngestionPendingReason, "no ingestion job is known and none is due")
	}
}

// notAnOutcome reports whether the condition's reason describes a wait or
// an error of a pass rather than the last job's outcome. AccessDenied is
// both: a job that failed on access (an outcome, with the diagnosis in its
// message) or kbwarden's own role refused a call (not an outcome).
func (p *ingestionPass) notAnOutcome(reason string) bool {
	if passReason(reason) {
		return true
	}
	if reason == kbv1.AccessDeniedReason {
		j := p.obj.Status.Ingestion.LastJob
		return j == nil || !isAccessError(j.FailureReasons)
	}
	return false
}

// passReason reports whether an IngestionSucceeded reason is a wait or an
// error of one pass, for either consumer, never the outcome of a job or an
// ingestion.
func passReason(reason string) bool {
	switch reason {
	case kbv1.NotEvaluatedReason, kbv1.IngestionPendingReason, kbv1.IngestionInProgressReason, kbv1.ThrottledReason,
		kbv1.AWSErrorReason, kbv1.KnowledgeBaseNotFoundReason, kbv1.InvalidSpecReason:
		return true
	}
	return false
}

// exportLastSuccess keeps the last-success gauge set, also after a restart.
func (p *ingestionPass) exportLastSuccess() {
	if s := p.obj.Status.Ingestion.LastSuccessfulJob; s != nil && s.UpdatedAt != nil {
		metrics.LastSuccessfulIngestion.WithLabelValues(p.obj.Namespace, p.obj.Name).Set(float64(s.UpdatedAt.Unix()))
	}
}

func summarize(reasons []string) string {
	if len(reasons) == 0 {
		return "Bedrock gave no reason"
	}
	s := strings.Join(reasons[:min(3, len(reasons))], "; ")
	if len(reasons) > 3 {
		s += fmt.Sprintf("; and %d more (status.ingestion.lastJob.failureReasons)", len(reasons)-3)
	}
	return s
}

func failedCount(j *kbv1.IngestionJob) int64 {
	if j.Statistics != nil && j.Statistics.Failed > 0 {
		return j.Statistics.Failed
	}
	return int64(len(j.FailureReasons))
}

func statsOf(j *kbv1.IngestionJob) string {
	s := j.Statistics
	if s == nil {
		return ""
	}
	return fmt.Sprintf(": %d scanned, %d new, %d modified, %d deleted", s.Scanned, s.NewIndexed, s.ModifiedIndexed, s.Deleted)
}

func stamp(t *metav1.Time) string {
	if t == nil {
		return "an unknown time"
	}
	return t.UTC().Format(time.RFC3339)
}
