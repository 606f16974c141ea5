package controllers

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/event"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/awserr"
	"github.com/kbwarden/kbwarden/internal/ingestion"
)

// ingestionStep owns IngestionSucceeded and status.ingestion (and echoes
// status.lastHandledRequestedAt when it starts a Manual job). It watches
// the data source's job until it ends (a WaitingError InProgress with a
// growing delay, no busy polling), explains a job that failed on an access
// error from the policy step's report (and asks that step for a fresh
// check when the report predates the failure), and starts a job when one
// is due (ingestion.Decide) and the data source is idle, through the
// account's fair start queue.
//
// Its state: the start queue (Bedrock's StartIngestionJob quota is per
// account, whatever KnowledgeBase asks) and the exposure log (when ACL
// changes not yet ingested were written, for the exposure metric).
//
// Bedrock calls per pass: none when idle and nothing is due; one
// GetIngestionJob while a job runs; one ListIngestionJobs and one
// StartIngestionJob to start a job; one ListIngestionJobs the first time a
// KnowledgeBase is seen.
type ingestionStep struct {
	opts     IngestionOptions
	events   recorder
	clock    clock.PassiveClock
	queue    *ingestion.Queue
	exposure *exposureLog
	// policyChecks and aclChecks are the drift check logs of the policy
	// and access control steps, through which a fresh look is requested
	// (never performed) here.
	policyChecks, aclChecks checkRequester
	// wakeups carries the KnowledgeBases whose turn came to the controller.
	wakeups chan event.TypedGenericEvent[types.NamespacedName]
	// deferred remembers the job whose diagnosis waited for a fresh policy
	// check, per KnowledgeBase, so it waits at most once.
	deferred sync.Map
	// lastStarted holds, per KnowledgeBase, the ID of the last job it
	// started, so a replayed start is not counted twice.
	lastStarted sync.Map
}

// checkRequester makes a concern's next drift check due.
type checkRequester interface{ request(types.UID) }

func newIngestionStep(opts IngestionOptions, ev recorder, clk clock.WithTicker, checks ingestionChecks) *ingestionStep {
	opts = opts.withDefaults()
	s := &ingestionStep{opts: opts, events: ev, clock: clk, exposure: newExposureLog(), policyChecks: checks.policy, aclChecks: checks.acl,
		wakeups: make(chan event.TypedGenericEvent[types.NamespacedName], wakeupBuffer)}
	s.queue = ingestion.NewQueue(opts.StartInterval, clk, ingestion.WithWake(s.wake))
	return s
}

// ingestionChecks are the drift check logs of the steps whose fresh look
// the ingestion step may ask for.
type ingestionChecks struct{ policy, acl checkRequester }

// wakeupBuffer bounds the wakeups not yet read by the controller. A
// wakeup that does not fit is dropped: the KnowledgeBase keeps its place
// in line and claims its slot at its next pass.
const wakeupBuffer = 4096

// wake enqueues the KnowledgeBase whose turn in the start queue came; the
// queue key is its namespace/name.
func (s *ingestionStep) wake(key string) {
	ns, name, _ := strings.Cut(key, "/")
	select {
	case s.wakeups <- event.TypedGenericEvent[types.NamespacedName]{Object: types.NamespacedName{Namespace: ns, Name: name}}:
	default:
	}
}

// queueKey is obj's key in the start queue.
func queueKey(obj *kbv1.KnowledgeBase) string { return obj.Namespace + "/" + obj.Name }

// ingestionPass is one run of the ingestion step on one KnowledgeBase.
type ingestionPass struct {
	s          *ingestionStep
	obj        *kbv1.KnowledgeBase
	t          *target
	api        ingestionAPI
	kbID, dsID string
	account    string // the start queue's lane: account and region
	now        time.Time
	acl        aclReport
	policy     *policyReport // nil when the policy step did not run
}

func (s *ingestionStep) reconcile(ctx context.Context, obj *kbv1.KnowledgeBase, p *pass) error {
	if reportBlocked(obj, p, concernIngestion, kbv1.IngestionSucceededCondition, lastOutcome(obj)) {
		s.queue.Forget(queueKey(obj)) // a blocked KnowledgeBase holds no place in line
		return nil
	}
	ip := &ingestionPass{s: s, obj: obj, t: p.target, api: p.target.clients.BedrockAgent, kbID: obj.KnowledgeBaseID(),
		dsID: obj.DataSourceID(), account: p.target.account + "/" + p.target.region, now: p.now, policy: p.policy}
	if p.acl != nil {
		ip.acl = *p.acl
	}
	if err := ip.run(ctx); err != nil {
		if c := reasonOf(err, ""); c != kbv1.IngestionInProgressReason && c != kbv1.IngestionPendingReason {
			keepOutcome(obj, reasonOf(err, kbv1.AWSErrorReason), "%s", err.Error())
		}
		return err
	}
	return nil
}

// forgetKey takes a KnowledgeBase that no longer exists out of the start
// queue, by its namespace/name.
func (s *ingestionStep) forgetKey(key string) { s.queue.Forget(key) }

// forget drops what the step remembers of a deleted KnowledgeBase.
func (s *ingestionStep) forget(uid types.UID, key string) {
	s.queue.Forget(key)
	s.exposure.forget(uid)
	s.deferred.Delete(uid)
	s.lastStarted.Delete(uid)
}

func (p *ingestionPass) run(ctx context.Context) error {
	if p.obj.Status.Ingestion == nil {
		p.obj.Status.Ingestion = &kbv1.IngestionStatus{}
	}
	st := p.obj.Status.Ingestion
	if source := p.kbID + "/" + p.dsID; st.DataSource != source {
		if st.DataSource != "" {
			// Another data source: its jobs, schedule and outcome are its
			// own, so the old ones are forgotten and its jobs adopted.
			ctrl.LoggerFrom(ctx).Info("the spec names another data source; forgetting the old one's jobs", "from", st.DataSource, "to", source)
			*st = kbv1.IngestionStatus{}
			apimeta.RemoveStatusCondition(&p.obj.Status.Conditions, kbv1.IngestionSucceededCondition)
		}
		st.DataSource = source
	}
	switch {
	case st.LastJob == nil:
		if err := p.adopt(ctx); err != nil {
			return err
		}
	case jobRunning(st.LastJob):
		job, err := p.getJob(ctx, st.LastJob)
		if err != nil {
			return err
		}
		if p.needsFreshPolicy(job) {
			return p.pending(p.s.opts.PollMin, "ingestion job %s failed on an access error after the last look at the vector bucket policy; kbwarden is checking it", job.ID)
		}
		p.observe(ctx, job)
	}
	p.exportLastSuccess()
	p.noteACLChange()
	if jobRunning(st.LastJob) {
		return p.waitForJob()
	}

	d := ingestion.Decide(p.inputs())
	st.NextScheduledAt = metaTime(&d.NextScheduledAt)
	if d.Trigger == "" {
		p.s.queue.Cancel(p.account, queueKey(p.obj))
		if d.Wait > 0 {
			return p.pending(d.Wait, "%s", d.Why)
		}
		p.reportSettled()
		return nil
	}
	return p.startWhenIdle(ctx, d)
}

// startWhenIdle starts the job d calls for, once the account's queue gives
// a slot and the data source runs no job (whoever started it).
func (p *ingestionPass) startWhenIdle(ctx context.Context, d ingestion.Decision) error {
	if wait := p.s.queue.Ask(p.account, queueKey(p.obj)); wait > 0 {
		// The queue wakes this KnowledgeBase when its turn comes: it is
		// not polled, so the wait asks for no earlier look than the
		// drift interval.
		return p.pending(p.obj.GetInterval(), "a job is due (%s) and waits for its turn in the account's start queue", d.Why)
	}
	running, err := p.listJobs(ctx, true, 1)
	if err != nil {
		return err
	}
	if len(running) > 0 {
		job := jobFromSummary(running[0], p.obj.Status.Ingestion.LastJob)
		assumeIncludes(job, p.acl)
		p.observe(ctx, job)
		return p.waitForJob()
	}
	st := p.obj.Status.Ingestion
	acl, fp := p.current()
	prev := ""
	if st.LastJob != nil {
		prev = st.LastJob.ID
	}
	token := ingestion.ClientToken(ingestion.TokenInput{UID: string(p.obj.UID), KnowledgeBaseID: p.kbID, DataSourceID: p.dsID,
		Trigger: d.Trigger, Cause: d.Cause, ACLHash: acl, Fingerprint: fp, PreviousJobID: prev})
	job, err := p.startJob(ctx, token, ingestion.Description(d.Trigger, acl, fp))
	if err != nil {
		return p.startFailed(err)
	}
	job.Trigger, job.ACLHash, job.DocumentsFingerprint, job.RulesHash = string(d.Trigger), acl, fp, p.acl.rulesHash
	if d.Trigger == ingestion.TriggerManual {
		p.obj.Status.LastHandledRequestedAt = d.Cause // handled: its job started
	}
	ctrl.LoggerFrom(ctx).Info("started ingestion job", "job", job.ID, "trigger", d.Trigger, "why", d.Why)
	p.started(job, d)
	if !jobRunning(job) { // a replayed clientToken: the job already ended
		p.ended(ctx, job)
		return nil
	}
	return p.waitForJob()
}

// startFailed classifies a StartIngestionJob error: a job someone else
// started (ConflictException) or the quota are waited out, the rest is
// classifyAWS's.
func (p *ingestionPass) startFailed(err error) error {
	switch awserr.Classify(err) {
	case awserr.Conflict:
		w := p.pending(2*p.s.opts.PollMin, "another ingestion job of knowledge base %s is running (%s); waiting for it to end", p.kbID, awserr.Describe(err))
		w.Metered = true
		return w
	case awserr.Throttled:
		p.s.queue.Return(p.account, queueKey(p.obj))
		p.s.queue.Backoff(p.account, p.s.queue.Interval())
		p.setOutcome(kbv1.ThrottledReason,
			"StartIngestionJob was throttled (%s); retrying in %s", awserr.Describe(err), p.s.queue.Interval())
		return waitingMetered(kbv1.ThrottledReason, p.s.queue.Interval(), "StartIngestionJob was throttled; retrying")
	}
	return p.classify(err, "StartIngestionJob")
}

// classify is classifyAWS for bedrock-agent calls: a knowledge base or
// data source that does not exist stalls until the spec changes (looked at
// again every interval, as it may be created meanwhile).
func (p *ingestionPass) classify(err error, doing string) error {
	if awserr.Classify(err) == awserr.NotFound {
		return &StallingError{Reason: kbv1.KnowledgeBaseNotFoundReason, RetryAfter: p.obj.GetInterval(),
			Err: errors.New("knowledge base " + p.kbID + " or its data source " + p.dsID + " does not exist in account " + p.t.account +
				", region " + p.t.region + " (" + doing + ": " + awserr.Describe(err) + "); fix spec.knowledgeBaseId or spec.dataSourceId")}
	}
	return classifyAWS(err, "bedrock-agent "+doing+" on knowledge base "+p.kbID+" data source "+p.dsID, p.obj.GetInterval())
}

// current returns the ACL hash and documents fingerprint the ACL step saw.
func (p *ingestionPass) current() (aclHash, fingerprint string) {
	return p.acl.aclHash, p.acl.fingerprint
}

// needsFreshPolicy reports whether job ended on an access error after the
// policy step last read the policy; then it asks that step for a check in
// the next pass, once per job, so the diagnosis names what the policy
// lacks now rather than at an older check.
func (p *ingestionPass) needsFreshPolicy(job *kbv1.IngestionJob) bool {
	if p.policy == nil || jobRunning(job) || job.Status != jobFailed || !isAccessError(job.FailureReasons) || !p.policy.staleFor(job.UpdatedAt) {
		return false
	}
	if last, ok := p.s.deferred.Load(p.obj.UID); ok && last == job.ID {
		return false
	}
	p.s.deferred.Store(p.obj.UID, job.ID)
	p.s.policyChecks.request(p.obj.UID)
	return true
}
