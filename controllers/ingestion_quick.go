package controllers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/awserr"
	"github.com/kbwarden/kbwarden/internal/ingestion"
	"github.com/kbwarden/kbwarden/internal/metrics"
	"github.com/kbwarden/kbwarden/internal/quick"
	qt "github.com/kbwarden/kbwarden/internal/quick/types"
)

// quickIngestionAPI is what the Quick ingestion step needs of Amazon Quick
// (service quicksight); internal/quick's *quick.Client provides it, and so
// will the SDK's quicksight client once its module has these operations.
type quickIngestionAPI interface {
	DescribeKnowledgeBase(context.Context, *quick.DescribeKnowledgeBaseInput, ...func(*quick.Options)) (*quick.DescribeKnowledgeBaseOutput, error)
	ListKnowledgeBaseRefreshSchedules(context.Context, *quick.ListKnowledgeBaseRefreshSchedulesInput, ...func(*quick.Options)) (*quick.ListKnowledgeBaseRefreshSchedulesOutput, error)
	CreateKnowledgeBaseRefreshSchedule(context.Context, *quick.CreateKnowledgeBaseRefreshScheduleInput, ...func(*quick.Options)) (*quick.CreateKnowledgeBaseRefreshScheduleOutput, error)
	UpdateKnowledgeBaseRefreshSchedule(context.Context, *quick.UpdateKnowledgeBaseRefreshScheduleInput, ...func(*quick.Options)) (*quick.UpdateKnowledgeBaseRefreshScheduleOutput, error)
}

// quickIngestionStep is the ingestion step of a spec.quick KnowledgeBase.
// It owns IngestionSucceeded, status.ingestion (lastJob, lastSuccessfulJob,
// schedule) and echoes status.lastHandledRequestedAt, with the Bedrock
// step's condition semantics: the last ingestion's outcome, kept while the
// next one runs or is awaited.
//
// Amazon Quick has no operation that starts, lists or describes an
// ingestion (see internal/quick's package documentation): ingestions start
// when the knowledge base's refresh schedule comes due or someone refreshes
// it in the Quick console, and DescribeKnowledgeBase's
// LatestIngestionSummary is the only view of them. So this step cannot do
// what the Bedrock step does with a change; it does what the API allows:
//   - it keeps the refresh schedule as declared (spec.ingestion.schedule),
//     which bounds how long an ACL change waits (Hourly, where the account
//     is enabled for it, is the shortest), or reports it when Unmanaged;
//   - it follows the latest ingestion, and counts an ACL change as enforced
//     only once an ingestion that started after the ACL files were written
//     (by a margin for clock skew: quickClockMargin) has COMPLETED, the rule
//     the Bedrock step applies to a job it did not start, so nothing is
//     reported enforced early;
//   - until then, IngestionSucceeded says Pending and when the change takes
//     effect (the next scheduled refresh, or never without an enabled
//     schedule: NoRefreshSchedule), and Reconciling stays True;
//   - it checks that the knowledge base's document-level ACLs are on when
//     ACL files are written (ACLNotEnabled otherwise: Quick would ignore
//     them).
//
// Why not move the schedule's next run forward: the API gives no way to.
// StartTime is only the time "after which the schedule can start
// refreshing", and for Daily, Weekly and Monthly schedules Quick picks the
// time of day; no member says when the next refresh runs. Rewriting the
// schedule on every change would not make a refresh come sooner and would
// hide the schedule the user declared, so kbwarden does not; the lever it
// documents is interval Hourly.
//
// Quick calls per pass: none between looks; at each drift-check interval
// (or on a new generation or manual request) one DescribeKnowledgeBase and
// one ListKnowledgeBaseRefreshSchedules (plus one Create or Update when the
// schedule drifted); while an ingestion runs or an ACL change awaits one,
// one DescribeKnowledgeBase per look, with a delay that grows with the wait
// (PollMin to PollMax). It starts nothing, so it takes no place in the
// account's start queue.
type quickIngestionStep struct {
	opts   IngestionOptions
	events recorder
	clock  clock.PassiveClock
	// checks is when the knowledge base and its schedule were last read
	// in full, so polls in between read only the knowledge base.
	checks *driftCheckLog
	// exposure remembers ACL changes not yet ingested, for the metric.
	exposure *exposureLog
	// aclChecks is the access control step's drift check log, through
	// which a fresh listing is requested when an ingestion ends.
	aclChecks checkRequester
}

func newQuickIngestionStep(opts IngestionOptions, ev recorder, clk clock.PassiveClock, aclChecks checkRequester) *quickIngestionStep {
	return &quickIngestionStep{opts: opts.withDefaults(), events: ev, clock: clk, checks: newDriftCheckLog(),
		exposure: newExposureLog(), aclChecks: aclChecks}
}

// forget drops what the step remembers of a deleted KnowledgeBase.
func (s *quickIngestionStep) forget(uid types.UID) {
	s.checks.forget(uid)
	s.exposure.forget(uid)
}

// Quick's ingestion statuses (KbIngestionStatus).
const (
	quickCompleted  = string(qt.KbIngestionStatusCompleted)
	quickIncomplete = string(qt.KbIngestionStatusIncomplete)
	quickFailed     = string(qt.KbIngestionStatusFailed)
	quickCancelled  = string(qt.KbIngestionStatusCancelled)
	quickTimeout    = string(qt.KbIngestionStatusTimeout)
)

// quickRunning reports whether an ingestion is still under way (QUEUED,
// RUNNING, CANCELLING, or a status this version does not know).
func quickRunning(j *kbv1.IngestionJob) bool {
	return j != nil && !qt.KbIngestionStatus(j.Status).Terminal()
}

// quickPass is one run of the step on one KnowledgeBase.
type quickPass struct {
	s    *quickIngestionStep
	obj  *kbv1.KnowledgeBase
	t    *target
	api  quickIngestionAPI
	kbID string
	now  time.Time
	acl  aclReport
}

func (s *quickIngestionStep) reconcile(ctx context.Context, obj *kbv1.KnowledgeBase, p *pass) error {
	if reportBlocked(obj, p, concernIngestion, kbv1.IngestionSucceededCondition, lastOutcome(obj)) {
		return nil
	}
	qp := &quickPass{s: s, obj: obj, t: p.target, api: p.target.clients.Quick, kbID: obj.KnowledgeBaseID(), now: p.now}
	if p.acl != nil {
		qp.acl = *p.acl
	}
	if err := qp.run(ctx); err != nil {
		switch reasonOf(err, "") {
		case kbv1.IngestionInProgressReason, kbv1.IngestionPendingReason, kbv1.NoRefreshScheduleReason, kbv1.ACLNotEnabledReason:
			// the pass set the condition itself
		default:
			keepOutcome(obj, reasonOf(err, kbv1.AWSErrorReason), "%s", err.Error())
		}
		return err
	}
	return nil
}

func (p *quickPass) run(ctx context.Context) error {
	if p.obj.Status.Ingestion == nil {
		p.obj.Status.Ingestion = &kbv1.IngestionStatus{}
	}
	st := p.obj.Status.Ingestion
	full := p.s.checks.due(p.obj, p.now)
	if full || quickRunning(st.LastJob) || p.aclPending() {
		kb, err := p.describe(ctx)
		if err != nil {
			return err
		}
		if full {
			if err := p.reconcileSchedule(ctx); err != nil {
				return err
			}
			p.s.checks.done(p.obj, p.now)
			p.handleManualRequest()
		}
		if latest := kb.LatestIngestionSummary; latest != nil {
			p.observe(ctx, p.fromSummary(latest), kb)
		}
		if err := p.checkACLEnabled(kb); err != nil {
			return err
		}
	}
	if s := st.LastSuccessfulJob; s != nil && s.UpdatedAt != nil {
		metrics.LastSuccessfulIngestion.WithLabelValues(p.obj.Namespace, p.obj.Name).Set(float64(s.UpdatedAt.Unix()))
	}
	p.noteACLChange()
	if quickRunning(st.LastJob) {
		return p.waitForIngestion()
	}
	if p.aclPending() {
		return p.awaitRefresh()
	}
	p.reportSettled()
	return nil
}

// describe reads the knowledge base: one DescribeKnowledgeBase call.
func (p *quickPass) describe(ctx context.Context) (*qt.KnowledgeBase, error) {
	out, err := p.api.DescribeKnowledgeBase(ctx, &quick.DescribeKnowledgeBaseInput{AwsAccountId: &p.t.account, KnowledgeBaseId: &p.kbID})
	if err != nil {
		return nil, p.classify(err, "DescribeKnowledgeBase")
	}
	if out.KnowledgeBase == nil {
		return nil, transient(kbv1.AWSErrorReason, "quicksight DescribeKnowledgeBase on knowledge base %s returned no knowledge base", p.kbID)
	}
	return out.KnowledgeBase, nil
}

// classify is classifyAWS for Quick calls: a knowledge base that does not
// exist stalls until the spec changes (looked at again every interval, as
// it may be created meanwhile).
func (p *quickPass) classify(err error, doing string) error {
	if awserr.Classify(err) == awserr.NotFound {
		return &StallingError{Reason: kbv1.KnowledgeBaseNotFoundReason, RetryAfter: p.obj.GetInterval(),
			Err: errors.New("Amazon Quick has no knowledge base " + p.kbID + " in account " + p.t.account + ", region " + p.t.region +
				" (quicksight " + doing + ": " + awserr.Describe(err) + "); fix spec.quick.knowledgeBaseId")}
	}
	return classifyAWS(err, "quicksight "+doing+" on knowledge base "+p.kbID, p.obj.GetInterval())
}

// quickClockMargin is how much later than a write, by kbwarden's clock,
// a Quick ingestion must have started (by Quick's) to count as having read
// it. It covers the skew between the node's clock and AWS's, which would
// otherwise let an ingestion that started just before the write count as
// enforcing it. Refreshes are at least an hour apart, so the margin costs
// nothing but, at worst, one refresh that started within it.
const quickClockMargin = 30 * time.Second

// fromSummary converts Quick's LatestIngestionSummary. kbwarden starts no
// Quick ingestion, so every one is External; what it ingests is known only
// when it is the same ingestion as before (kept from then), or when it
// started quickClockMargin after the ACL files were written or the
// documents were first seen. An unknown value never counts as ingested.
func (p *quickPass) fromSummary(s *qt.KnowledgeBaseIngestionSummary) *kbv1.IngestionJob {
	j := &kbv1.IngestionJob{ID: aws.ToString(s.IngestionId), Status: string(s.IngestionStatus), Trigger: string(ingestion.TriggerExternal),
		StartedAt: metaTime(s.StartTime), UpdatedAt: metaTime(s.EndTime)}
	if j.UpdatedAt == nil {
		j.UpdatedAt = j.StartedAt
	}
	if prev := p.obj.Status.Ingestion.LastJob; prev != nil && prev.ID == j.ID {
		j.ACLHash, j.DocumentsFingerprint = prev.ACLHash, prev.DocumentsFingerprint
		return j
	}
	if j.StartedAt != nil {
		if t := p.acl.lastSyncTime; t != nil && j.StartedAt.Time.After(latestInstant(t).Add(quickClockMargin)) {
			j.ACLHash = p.acl.aclHash
		}
		if t := p.acl.documentsChangedAt; t != nil && j.StartedAt.Time.After(latestInstant(t).Add(quickClockMargin)) {
			j.DocumentsFingerprint = p.acl.fingerprint
		}
	}
	return j
}

// observe records the latest ingestion, and reports one that is new to
// kbwarden or has just ended: events and metrics move only then.
func (p *quickPass) observe(ctx context.Context, job *kbv1.IngestionJob, kb *qt.KnowledgeBase) {
	st := p.obj.Status.Ingestion
	prev := st.LastJob
	st.LastJob = job
	isNew := prev == nil || prev.ID != job.ID
	switch {
	case quickRunning(job) && isNew:
		p.s.events.event(p.obj, corev1.EventTypeNormal, eventIngestionStarted, "Ingest",
			"Quick ingestion %s of knowledge base %s is %s; kbwarden waits for it to end", job.ID, p.kbID, job.Status)
	case !quickRunning(job) && (isNew || quickRunning(prev)):
		p.ended(job, kb)
	}
}

// ended reports an ingestion seen ending: condition, event and metrics.
func (p *quickPass) ended(job *kbv1.IngestionJob, kb *qt.KnowledgeBase) {
	// What changed while it ran is seen at the next pass: the access
	// control step lists the documents again.
	p.s.aclChecks.request(p.obj.UID)
	ns, name := p.obj.Namespace, p.obj.Name
	if job.StartedAt != nil && job.UpdatedAt != nil {
		metrics.IngestionJobDuration.WithLabelValues(ns, name).Observe(job.UpdatedAt.Sub(job.StartedAt.Time).Seconds())
	}
	prevOutcome := apimeta.FindStatusCondition(p.obj.Status.Conditions, kbv1.IngestionSucceededCondition)
	wasFailing := prevOutcome != nil && prevOutcome.Status == metav1.ConditionFalse
	what := p.describeIngestion(job)
	switch job.Status {
	case quickCompleted:
		p.obj.Status.Ingestion.LastSuccessfulJob = job.DeepCopy()
		if job.UpdatedAt != nil {
			if c, ok := p.s.exposure.take(p.obj.UID, job.ACLHash); ok {
				metrics.ACLExposureWindow.WithLabelValues(ns, name).Observe(job.UpdatedAt.Sub(c.written).Seconds())
			}
			metrics.LastSuccessfulIngestion.WithLabelValues(ns, name).Set(float64(job.UpdatedAt.Unix()))
		}
		docs := ""
		if kb != nil && kb.DocumentCount != nil {
			docs = fmt.Sprintf(": %d documents indexed", *kb.DocumentCount)
		}
		if wasFailing {
			p.s.events.event(p.obj, corev1.EventTypeNormal, eventIngestionRecovered, "Ingest", "%s completed%s; ingestion recovered", what, docs)
		} else {
			p.s.events.event(p.obj, corev1.EventTypeNormal, eventIngestionCompleted, "Ingest", "%s completed%s", what, docs)
		}
	default:
		reason := quickFailureReason(job.Status)
		metrics.IngestionJobsFailed.WithLabelValues(ns, name, reason).Inc()
		p.s.events.event(p.obj, corev1.EventTypeWarning, reason, "Ingest", "%s ended %s", what, job.Status)
	}
	p.markOutcome(job)
}

// quickFailureReason is IngestionSucceeded's reason for an ingestion that
// ended without COMPLETED.
func quickFailureReason(status string) string {
	switch status {
	case quickIncomplete:
		return kbv1.IngestionIncompleteReason
	case quickCancelled:
		return kbv1.IngestionStoppedReason
	case quickTimeout:
		return kbv1.IngestionTimedOutReason
	}
	return kbv1.IngestionFailedReason
}

// markOutcome sets IngestionSucceeded from an ended ingestion. A COMPLETED
// one says which ACL files it enforces; INCOMPLETE is not a success (some
// documents were left out, and kbwarden cannot tell which ACLs the rest
// carry), FAILED, TIMEOUT and CANCELLED are failures.
func (p *quickPass) markOutcome(job *kbv1.IngestionJob) {
	what := p.describeIngestion(job)
	cond := kbv1.IngestionSucceededCondition
	switch job.Status {
	case quickCompleted:
		enforces := ""
		if job.ACLHash != "" {
			enforces = "; it enforces the ACL files with aclHash " + short(job.ACLHash)
		}
		markTrue(p.obj, cond, kbv1.SucceededReason, "%s completed at %s%s", what, stamp(job.UpdatedAt), enforces)
	case quickIncomplete:
		markFalse(p.obj, cond, kbv1.IngestionIncompleteReason,
			"%s ended INCOMPLETE at %s: Quick could not ingest some documents (an unreadable ACL or metadata file is a common cause); see the knowledge base's sync report in the Quick console", what, stamp(job.UpdatedAt))
	default:
		markFalse(p.obj, cond, quickFailureReason(job.Status), "%s ended %s at %s; see the knowledge base's sync report in the Quick console", what, job.Status, stamp(job.UpdatedAt))
	}
}

func (p *quickPass) describeIngestion(job *kbv1.IngestionJob) string {
	return fmt.Sprintf("Quick ingestion %s of knowledge base %s", job.ID, p.kbID)
}

// short abbreviates a hash for messages.
func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// waitForIngestion says an ingestion runs and asks to look again after a
// delay that grows with its age.
func (p *quickPass) waitForIngestion() error {
	j := p.obj.Status.Ingestion.LastJob
	age := time.Duration(0)
	if j.StartedAt != nil {
		age = p.now.Sub(j.StartedAt.Time)
	}
	after := ingestion.PollDelay(age, p.s.opts.PollMin, p.s.opts.PollMax)
	msg := fmt.Sprintf("%s is %s", p.describeIngestion(j), j.Status)
	if p.aclPending() && j.ACLHash != p.acl.aclHash {
		msg += "; it started before the ACL files written at " + stamp(p.acl.lastSyncTime) + ", which wait for the next refresh after it"
	}
	keepOutcome(p.obj, kbv1.IngestionInProgressReason, "%s", msg)
	return waiting(kbv1.IngestionInProgressReason, after, "%s; looking again in %s", msg, after)
}

// aclPending reports whether the current ACL files are not yet enforced:
// no COMPLETED ingestion known to include them.
func (p *quickPass) aclPending() bool {
	if p.acl.aclHash == "" {
		return false
	}
	s := p.obj.Status.Ingestion.LastSuccessfulJob
	return s == nil || s.ACLHash != p.acl.aclHash
}

// awaitRefresh reports an ACL change that waits for the knowledge base's
// next refresh, and says when that is: the API cannot start one.
func (p *quickPass) awaitRefresh() error {
	written := stamp(p.acl.lastSyncTime)
	prev := "no completed ingestion is known, so Quick may not serve these documents yet"
	if s := p.obj.Status.Ingestion.LastSuccessfulJob; s != nil {
		prev = fmt.Sprintf("until then Quick enforces what ingestion %s (completed %s) read", s.ID, stamp(s.UpdatedAt))
	}
	sc := p.obj.Status.Ingestion.Schedule
	if sc == nil || sc.ID == "" || sc.State != string(qt.ScheduleStateEnabled) {
		msg := fmt.Sprintf("the ACL files written at %s are not enforced: knowledge base %s has no enabled refresh schedule and Amazon Quick has no API to start an ingestion, "+
			"so nothing will ingest them until someone refreshes the knowledge base in the Quick console (declare spec.ingestion.schedule to keep one); %s", written, p.kbID, prev)
		markFalse(p.obj, kbv1.IngestionSucceededCondition, kbv1.NoRefreshScheduleReason, "%s", msg)
		return waiting(kbv1.NoRefreshScheduleReason, p.obj.GetInterval(), "%s", msg)
	}
	msg := fmt.Sprintf("the ACL files written at %s (aclHash %s) are not enforced yet: Amazon Quick has no API to start an ingestion, so they take effect when the next scheduled refresh (%s) completes, "+
		"or a refresh started in the Quick console; %s", written, short(p.acl.aclHash), describeSchedule(sc), prev)
	keepOutcome(p.obj, kbv1.IngestionPendingReason, "%s", msg)
	age := time.Duration(0)
	if p.acl.lastSyncTime != nil {
		age = p.now.Sub(p.acl.lastSyncTime.Time)
	}
	after := ingestion.PollDelay(age, p.s.opts.PollMin, p.s.opts.PollMax)
	return waiting(kbv1.IngestionPendingReason, after, "%s; looking again in %s", msg, after.Round(time.Millisecond))
}

// describeSchedule says when a schedule next refreshes, as far as the API
// tells: the interval, and for Daily, Weekly and Monthly that Quick picks
// the time of day.
func describeSchedule(sc *kbv1.RefreshScheduleStatus) string {
	switch sc.Interval {
	case string(qt.KbRefreshIntervalHourly):
		return "HOURLY: within the hour"
	case string(qt.KbRefreshIntervalDaily):
		return "DAILY, at a time of day Quick picks: within a day"
	case string(qt.KbRefreshIntervalWeekly):
		return "WEEKLY on " + sc.Day + ", at a time of day Quick picks"
	case string(qt.KbRefreshIntervalMonthly):
		return "MONTHLY on day " + sc.Day + ", at a time of day Quick picks"
	}
	return sc.Interval
}

// noteACLChange records when the current ACL hash was written, the first
// time a pass sees it differ from the last successful ingestion's, for the
// exposure-window metric.
func (p *quickPass) noteACLChange() {
	st := p.obj.Status.Ingestion
	if p.acl.aclHash == "" || st.LastSuccessfulJob == nil || st.LastSuccessfulJob.ACLHash == p.acl.aclHash {
		return
	}
	written := p.now
	if p.acl.lastSyncTime != nil {
		written = p.acl.lastSyncTime.Time
	}
	p.s.exposure.note(p.obj.UID, aclChange{hash: p.acl.aclHash, written: written})
}

// reportSettled leaves the last outcome in place; it fills the condition
// when nothing was reported yet, and puts the last outcome back when the
// condition still shows a wait or an error of an earlier pass.
func (p *quickPass) reportSettled() {
	c := apimeta.FindStatusCondition(p.obj.Status.Conditions, kbv1.IngestionSucceededCondition)
	if c != nil && !quickNotAnOutcome(c.Reason) {
		return
	}
	if j := p.obj.Status.Ingestion.LastJob; j != nil && !quickRunning(j) {
		p.markOutcome(j)
		return
	}
	markUnknown(p.obj, kbv1.IngestionSucceededCondition, kbv1.IngestionPendingReason,
		"Amazon Quick reports no ingestion of knowledge base %s yet; the first runs at its next scheduled refresh", p.kbID)
}

// quickNotAnOutcome reports whether a reason describes a wait or an error
// of a pass rather than the last ingestion's outcome: the reasons every
// ingestion step's passes use, and the Quick step's own (a refused call,
// no refresh schedule, a Quick limit).
func quickNotAnOutcome(reason string) bool {
	switch reason {
	case kbv1.AccessDeniedReason, kbv1.NoRefreshScheduleReason, kbv1.LimitExceededReason:
		return true
	}
	return passReason(reason)
}

// checkACLEnabled compares the knowledge base's document-level ACL switch
// with spec.accessControl: ACL files Quick ignores protect nothing, and ACLs
// on without files make every document unreachable.
func (p *quickPass) checkACLEnabled(kb *qt.KnowledgeBase) error {
	if kb.AccessControlConfiguration == nil || kb.AccessControlConfiguration.IsACLEnabled == nil {
		return nil // Quick did not say
	}
	on, writes := *kb.AccessControlConfiguration.IsACLEnabled, p.obj.AccessControlMode() != kbv1.AccessControlNone
	var msg string
	switch {
	case writes && !on:
		msg = fmt.Sprintf("Quick knowledge base %s has document-level ACLs off (isACLEnabled false): Quick ignores the ACL files kbwarden writes and every ingested document is retrievable by everyone "+
			"with access to the knowledge base; turn ACLs on for it in Quick (irreversible), or recreate it with ACLs", p.kbID)
	case on && !writes:
		msg = fmt.Sprintf("Quick knowledge base %s has document-level ACLs on, but spec.accessControl.mode is None: Quick ingests no document without an ACL entry; declare spec.accessControl", p.kbID)
	default:
		// Fixed since a look found it: the last outcome stands again. (A
		// pass that does not read the knowledge base keeps the finding.)
		if c := apimeta.FindStatusCondition(p.obj.Status.Conditions, kbv1.IngestionSucceededCondition); c != nil && c.Reason == kbv1.ACLNotEnabledReason {
			apimeta.RemoveStatusCondition(&p.obj.Status.Conditions, kbv1.IngestionSucceededCondition)
			p.reportSettled()
		}
		return nil
	}
	markFalse(p.obj, kbv1.IngestionSucceededCondition, kbv1.ACLNotEnabledReason, "%s", msg)
	return &StallingError{Reason: kbv1.ACLNotEnabledReason, RetryAfter: p.obj.GetInterval(), Err: errors.New(msg)}
}

// handleManualRequest answers kbwarden.io/requested-at: the look it asks
// for has been made, but no ingestion can be started, which the event says.
func (p *quickPass) handleManualRequest() {
	token, pending := p.obj.RequestedAt()
	if !pending {
		return
	}
	p.obj.Status.LastHandledRequestedAt = token
	p.s.events.event(p.obj, corev1.EventTypeNormal, "ManualRequestHandled", "Ingest",
		"%s %q: kbwarden looked at Quick knowledge base %s and its refresh schedule now; Amazon Quick has no API to start an ingestion, so to apply changes at once refresh the knowledge base in the Quick console",
		kbv1.RequestedAtAnnotation, token, p.kbID)
}

// quickScheduleID is the ID kbwarden gives a refresh schedule it creates.
const quickScheduleID = "kbwarden"

// quickScheduleDay is the day member of a schedule, for status and
// comparison.
func quickScheduleDay(f *qt.KnowledgeBaseRefreshFrequency) string {
	if f == nil || f.RefreshOnDay == nil {
		return ""
	}
	if f.RefreshOnDay.DayOfWeek != "" {
		return string(f.RefreshOnDay.DayOfWeek)
	}
	return aws.ToString(f.RefreshOnDay.DayOfMonth)
}

// desiredFrequency is the declared schedule in Quick's terms.
func desiredFrequency(want kbv1.RefreshScheduleSpec) (*qt.KnowledgeBaseRefreshFrequency, qt.ScheduleState) {
	f := &qt.KnowledgeBaseRefreshFrequency{Interval: qt.KbRefreshInterval(strings.ToUpper(string(want.Interval)))}
	switch want.Interval {
	case kbv1.RefreshWeekly:
		f.RefreshOnDay = &qt.KnowledgeBaseScheduleRefreshOnEntity{DayOfWeek: qt.KbDayOfWeek(strings.ToUpper(string(want.DayOfWeek)))}
	case kbv1.RefreshMonthly:
		f.RefreshOnDay = &qt.KnowledgeBaseScheduleRefreshOnEntity{DayOfMonth: aws.String(fmt.Sprint(want.DayOfMonth))}
	}
	state := qt.ScheduleStateEnabled
	if want.Enabled != nil && !*want.Enabled {
		state = qt.ScheduleStateDisabled
	}
	return f, state
}
