package controllers

import (
	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/metrics"
)

// driftRecorder reports the drift of one concern everywhere a user looks:
// the concern's condition, its DriftRecord in status, an event and the
// drift metrics. The policy, versioning and access control steps each
// own one, parameterised by their concern.
type driftRecorder struct {
	// concern is the metrics label (metrics.Concern*).
	concern string
	// condition is the concern's condition type.
	condition string
	// action names the concern in events. Events of the same reason and
	// action are aggregated into one series, so two concerns need two
	// actions to both show in describe.
	action string
	events recorder
	clock  clock.PassiveClock
}

// observed marks the concern Drifted (driftPolicy Observe). The event,
// the counters and rec move only when the drift is new or different, not
// on every pass that sees it again.
func (d driftRecorder) observed(obj *kbv1.KnowledgeBase, rec **kbv1.DriftRecord, drift string) {
	metrics.Drifted.WithLabelValues(obj.Namespace, obj.Name, d.concern).Set(1)
	if c := apimeta.FindStatusCondition(obj.Status.Conditions, d.condition); c != nil && c.Reason == kbv1.DriftedReason && c.Message == drift {
		return
	}
	markFalse(obj, d.condition, kbv1.DriftedReason, "%s", drift)
	d.count(obj, rec, drift, metav1.NewTime(d.clock.Now()))
	d.events.event(obj, corev1.EventTypeWarning, kbv1.DriftedReason, "DetectDrift"+d.action, "%s (driftPolicy Observe: not repaired)", drift)
}

// repaired marks the concern repaired and returns the repair time, which
// is also rec's lastRepairTime.
func (d driftRecorder) repaired(obj *kbv1.KnowledgeBase, rec **kbv1.DriftRecord, drift string) metav1.Time {
	now := metav1.NewTime(d.clock.Now())
	d.count(obj, rec, drift, now)
	(*rec).LastRepairTime = &now
	metrics.DriftRepairs.WithLabelValues(obj.Namespace, obj.Name, d.concern).Inc()
	metrics.Drifted.WithLabelValues(obj.Namespace, obj.Name, d.concern).Set(0)
	markTrue(obj, d.condition, kbv1.DriftRepairedReason, "repaired at %s: %s", now.UTC().Format("2006-01-02T15:04:05Z"), drift)
	d.events.event(obj, corev1.EventTypeNormal, kbv1.DriftRepairedReason, "Repair"+d.action, "repaired %s", drift)
	return now
}

// inSync clears the drift gauge.
func (d driftRecorder) inSync(obj *kbv1.KnowledgeBase) {
	metrics.Drifted.WithLabelValues(obj.Namespace, obj.Name, d.concern).Set(0)
}

// count records one drift found.
func (d driftRecorder) count(obj *kbv1.KnowledgeBase, rec **kbv1.DriftRecord, drift string, now metav1.Time) {
	if *rec == nil {
		*rec = &kbv1.DriftRecord{}
	}
	r := *rec
	r.Count++
	r.Last, r.LastTime = drift, &now
	metrics.DriftDetected.WithLabelValues(obj.Namespace, obj.Name, d.concern).Inc()
}
