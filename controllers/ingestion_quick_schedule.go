package controllers

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/awserr"
	"github.com/kbwarden/kbwarden/internal/metrics"
	"github.com/kbwarden/kbwarden/internal/quick"
	qt "github.com/kbwarden/kbwarden/internal/quick/types"
)

// Event reasons of the refresh schedule.
const (
	eventScheduleCreated = "RefreshScheduleCreated"
)

// reconcileSchedule reads the knowledge base's refresh schedule (one
// ListKnowledgeBaseRefreshSchedules: Quick allows one per knowledge base),
// records it in status.ingestion.schedule, and, unless it is Unmanaged,
// creates it or brings it to the declaration (driftPolicy Observe: reports
// the difference and writes nothing). Only the members kbwarden declares
// are written: Update changes only the members given.
func (p *quickPass) reconcileSchedule(ctx context.Context) error {
	out, err := p.api.ListKnowledgeBaseRefreshSchedules(ctx, &quick.ListKnowledgeBaseRefreshSchedulesInput{AwsAccountId: &p.t.account, KnowledgeBaseId: &p.kbID})
	if err != nil {
		return p.classify(err, "ListKnowledgeBaseRefreshSchedules")
	}
	var live *qt.KnowledgeBaseRefreshScheduleSummary
	if len(out.ScheduleSummaries) > 0 {
		live = &out.ScheduleSummaries[0]
	}
	p.recordSchedule(live)
	want := p.obj.RefreshSchedule()
	if want.Interval == kbv1.RefreshUnmanaged {
		metrics.Drifted.WithLabelValues(p.obj.Namespace, p.obj.Name, metrics.ConcernRefreshSchedule).Set(0)
		return nil
	}
	freq, state := desiredFrequency(want)
	if live == nil {
		drift := fmt.Sprintf("knowledge base %s has no refresh schedule; want %s", p.kbID, describeFrequency(freq, state))
		if p.obj.DriftPolicy() == kbv1.DriftObserve {
			p.scheduleDrifted(drift)
			return nil
		}
		id := quickScheduleID
		_, err := p.api.CreateKnowledgeBaseRefreshSchedule(ctx, &quick.CreateKnowledgeBaseRefreshScheduleInput{AwsAccountId: &p.t.account, KnowledgeBaseId: &p.kbID,
			ScheduleId: &id, ScheduleFrequency: freq, State: state})
		if err != nil {
			return p.scheduleError(err, "CreateKnowledgeBaseRefreshSchedule", freq)
		}
		ctrl.LoggerFrom(ctx).Info("created the Quick refresh schedule", "knowledgeBase", p.kbID, "schedule", describeFrequency(freq, state))
		p.recordSchedule(&qt.KnowledgeBaseRefreshScheduleSummary{ScheduleId: &id, ScheduleFrequency: freq, State: state})
		p.s.events.event(p.obj, corev1.EventTypeNormal, eventScheduleCreated, "ScheduleRefresh", "created refresh schedule %s of Quick knowledge base %s: %s", id, p.kbID, describeFrequency(freq, state))
		return nil
	}
	diffs := scheduleDiffs(live, freq, state)
	if len(diffs) == 0 {
		metrics.Drifted.WithLabelValues(p.obj.Namespace, p.obj.Name, metrics.ConcernRefreshSchedule).Set(0)
		return nil
	}
	drift := fmt.Sprintf("refresh schedule %s of knowledge base %s: %s", aws.ToString(live.ScheduleId), p.kbID, strings.Join(diffs, "; "))
	if p.obj.DriftPolicy() == kbv1.DriftObserve {
		p.scheduleDrifted(drift)
		return nil
	}
	in := &quick.UpdateKnowledgeBaseRefreshScheduleInput{AwsAccountId: &p.t.account, KnowledgeBaseId: &p.kbID, ScheduleId: live.ScheduleId, State: state}
	if !sameFrequency(live.ScheduleFrequency, freq) {
		in.ScheduleFrequency = freq
	}
	if _, err := p.api.UpdateKnowledgeBaseRefreshSchedule(ctx, in); err != nil {
		return p.scheduleError(err, "UpdateKnowledgeBaseRefreshSchedule", freq)
	}
	ctrl.LoggerFrom(ctx).Info("repaired the Quick refresh schedule", "knowledgeBase", p.kbID, "drift", drift)
	repaired := *live
	repaired.ScheduleFrequency, repaired.State = freq, state
	p.recordSchedule(&repaired)
	now := metav1.NewTime(p.s.clock.Now())
	rec := p.scheduleDrift()
	rec.Count++
	rec.Last, rec.LastTime, rec.LastRepairTime = drift, &now, &now
	metrics.DriftDetected.WithLabelValues(p.obj.Namespace, p.obj.Name, metrics.ConcernRefreshSchedule).Inc()
	metrics.DriftRepairs.WithLabelValues(p.obj.Namespace, p.obj.Name, metrics.ConcernRefreshSchedule).Inc()
	metrics.Drifted.WithLabelValues(p.obj.Namespace, p.obj.Name, metrics.ConcernRefreshSchedule).Set(0)
	p.s.events.event(p.obj, corev1.EventTypeNormal, kbv1.DriftRepairedReason, "RepairRefreshSchedule", "repaired %s", drift)
	return nil
}

// scheduleError classifies a refused schedule write: Quick refuses HOURLY
// for accounts not enabled for hourly refresh, which only a spec change
// (or AWS) fixes; a schedule that appeared meanwhile is read next pass.
func (p *quickPass) scheduleError(err error, op string, freq *qt.KnowledgeBaseRefreshFrequency) error {
	switch awserr.Classify(err) {
	case awserr.Invalid:
		hint := ""
		if freq.Interval == qt.KbRefreshIntervalHourly {
			hint = "; an Hourly schedule needs an account Quick enabled for hourly refresh: declare Daily, or ask AWS to enable it"
		}
		return &StallingError{Reason: kbv1.InvalidSpecReason, RetryAfter: p.obj.GetInterval(),
			Err: fmt.Errorf("spec.ingestion.schedule: Quick refused %s of knowledge base %s (%s)%s", op, p.kbID, awserr.Describe(err), hint)}
	case awserr.LimitExceeded, awserr.Conflict:
		p.s.checks.request(p.obj.UID)
		return transient(kbv1.ProgressingReason, "quicksight %s on knowledge base %s: a refresh schedule appeared meanwhile (%s); reading it again", op, p.kbID, awserr.Describe(err))
	}
	return p.classify(err, op)
}

// scheduleDrifted reports a schedule that differs from the declaration
// under driftPolicy Observe: status, metrics and an event when new.
func (p *quickPass) scheduleDrifted(drift string) {
	metrics.Drifted.WithLabelValues(p.obj.Namespace, p.obj.Name, metrics.ConcernRefreshSchedule).Set(1)
	rec := p.scheduleDrift()
	if rec.Last == drift {
		return
	}
	now := metav1.NewTime(p.s.clock.Now())
	rec.Count++
	rec.Last, rec.LastTime = drift, &now
	metrics.DriftDetected.WithLabelValues(p.obj.Namespace, p.obj.Name, metrics.ConcernRefreshSchedule).Inc()
	p.s.events.event(p.obj, corev1.EventTypeWarning, kbv1.DriftedReason, "DetectDriftRefreshSchedule", "%s (driftPolicy Observe: not repaired)", drift)
}

// scheduleDrift returns status.ingestion.schedule.drift, created.
func (p *quickPass) scheduleDrift() *kbv1.DriftRecord {
	sc := p.obj.Status.Ingestion.Schedule
	if sc == nil {
		sc = &kbv1.RefreshScheduleStatus{}
		p.obj.Status.Ingestion.Schedule = sc
	}
	if sc.Drift == nil {
		sc.Drift = &kbv1.DriftRecord{}
	}
	return sc.Drift
}

// recordSchedule keeps status.ingestion.schedule as Quick reports it, and
// its drift record.
func (p *quickPass) recordSchedule(live *qt.KnowledgeBaseRefreshScheduleSummary) {
	st := p.obj.Status.Ingestion
	var drift *kbv1.DriftRecord
	if st.Schedule != nil {
		drift = st.Schedule.Drift
	}
	if live == nil {
		st.Schedule = &kbv1.RefreshScheduleStatus{Drift: drift}
		return
	}
	sc := &kbv1.RefreshScheduleStatus{ID: aws.ToString(live.ScheduleId), State: string(live.State), Day: quickScheduleDay(live.ScheduleFrequency), Drift: drift}
	if sc.State == "" {
		sc.State = string(qt.ScheduleStateEnabled) // the API's default
	}
	if f := live.ScheduleFrequency; f != nil {
		sc.Interval = string(f.Interval)
	}
	st.Schedule = sc
}

// scheduleDiffs lists how a live schedule differs from the declaration.
func scheduleDiffs(live *qt.KnowledgeBaseRefreshScheduleSummary, freq *qt.KnowledgeBaseRefreshFrequency, state qt.ScheduleState) []string {
	var diffs []string
	if !sameFrequency(live.ScheduleFrequency, freq) {
		diffs = append(diffs, fmt.Sprintf("frequency is %s, want %s", describeFrequency(live.ScheduleFrequency, ""), describeFrequency(freq, "")))
	}
	liveState := live.State
	if liveState == "" {
		liveState = qt.ScheduleStateEnabled
	}
	if liveState != state {
		diffs = append(diffs, fmt.Sprintf("state is %s, want %s", liveState, state))
	}
	return diffs
}

func sameFrequency(a, b *qt.KnowledgeBaseRefreshFrequency) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Interval == b.Interval && quickScheduleDay(a) == quickScheduleDay(b)
}

func describeFrequency(f *qt.KnowledgeBaseRefreshFrequency, state qt.ScheduleState) string {
	if f == nil {
		return "none"
	}
	s := string(f.Interval)
	if d := quickScheduleDay(f); d != "" {
		s += " on " + d
	}
	if state != "" {
		s += ", " + string(state)
	}
	return s
}
