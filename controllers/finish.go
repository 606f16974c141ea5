package controllers

import (
	"context"
	"errors"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
)

// finish runs in Reconcile's defer. It turns the reconcile's outcome into the
// kstatus conditions (Reconciling and Stalled present only while true),
// computes Ready, sets observedGeneration, records an event when Ready
// changed, and writes status once, as a patch, only when it changed.
//
// It also decides what controller-runtime sees: a StallingError is not
// retried, a WaitingError becomes a RequeueAfter, anything else is returned
// for backoff.
func (r *KnowledgeBaseReconciler) finish(ctx context.Context, before, obj *kbv1.KnowledgeBase, result ctrl.Result, err error) (ctrl.Result, error) {
	log := ctrl.LoggerFrom(ctx)
	if !obj.DeletionTimestamp.IsZero() && !controllerutil.ContainsFinalizer(obj, kbv1.Finalizer) {
		return result, err // the object is gone or going; there is no status to write
	}

	priority := passPriority(err)
	var stall *StallingError
	switch {
	case obj.Spec.Suspend && obj.DeletionTimestamp.IsZero() && err == nil:
		apimeta.RemoveStatusCondition(&obj.Status.Conditions, kbv1.ReconcilingCondition)
		apimeta.RemoveStatusCondition(&obj.Status.Conditions, kbv1.StalledCondition)
		markFalse(obj, kbv1.ReadyCondition, kbv1.SuspendedReason, "reconciliation is suspended (spec.suspend is true)")
	case err == nil:
		apimeta.RemoveStatusCondition(&obj.Status.Conditions, kbv1.ReconcilingCondition)
		apimeta.RemoveStatusCondition(&obj.Status.Conditions, kbv1.StalledCondition)
		if token, pending := obj.RequestedAt(); pending {
			obj.Status.LastHandledRequestedAt = token
		}
		summarizeReady(obj)
	case errors.As(err, &stall):
		// Logged when the stall appears or changes, not on every retry.
		if c := apimeta.FindStatusCondition(before.Status.Conditions, kbv1.StalledCondition); c == nil || c.Reason != stall.Reason {
			log.Info("reconciliation stalled; waiting for a change of the spec or of AWS", "reason", stall.Reason, "error", err.Error())
		}
		apimeta.RemoveStatusCondition(&obj.Status.Conditions, kbv1.ReconcilingCondition)
		markTrue(obj, kbv1.StalledCondition, stall.Reason, "%s", err.Error())
		summarizeReady(obj)
		result, err = ctrl.Result{RequeueAfter: stall.RetryAfter}, nil
	default:
		apimeta.RemoveStatusCondition(&obj.Status.Conditions, kbv1.StalledCondition)
		markTrue(obj, kbv1.ReconcilingCondition, reasonOf(err, kbv1.ProgressingReason), "%s", err.Error())
		summarizeReady(obj)
		if after := requeueAfterOf(err); after > 0 {
			// A wait (a running job, the start queue) never postpones
			// the drift check past its interval.
			result, err = ctrl.Result{RequeueAfter: min(after, nextPass(obj, r.clock.Now()))}, nil
		}
	}
	obj.Status.ObservedGeneration = obj.Generation
	result.Priority = priorityOf(priority)

	if patchErr := r.patchStatus(ctx, before, obj); patchErr != nil {
		if apierrors.IsConflict(patchErr) {
			// The object this pass read was older than the stored one:
			// the manager's cache had not yet seen the previous pass's
			// status (or a user's change). Its conclusions rest on that
			// old status, so they are dropped, and the KnowledgeBase is
			// looked at again once the cache has caught up.
			log.V(1).Info("the KnowledgeBase changed while it was reconciled; looking again", "error", patchErr.Error())
			return ctrl.Result{RequeueAfter: staleReadRetry, Priority: priorityOf(changedPriority)}, nil
		}
		return result, errors.Join(err, patchErr)
	}
	r.recordReadyTransition(before, obj)
	return result, err
}

// Work queue priorities (controller-runtime's priority queue). Every
// result sets the priority of the next look, so a KnowledgeBase does not
// keep the priority of a wait that is over (controller-runtime keeps the
// last one otherwise), nor the low priority of its initial list.
const (
	// changedPriority is the next look after a pass that found the object
	// changed under it (a stale read, a refused status patch): as for an
	// event, controller-runtime's default. Never the priority of the wait
	// the pass came from, or a tenant who edits its KnowledgeBase without
	// pause would keep it ahead of every other tenant's start slots.
	changedPriority = 0
	// routinePriority is the next look of a pass that waits on nothing
	// shared: the next drift check, a debounce, a retry. It is below
	// controller-runtime's default (0) for events, so a KnowledgeBase
	// someone just created or edited is looked at before the periodic
	// checks of a thousand others, and equal to the initial list's, so
	// after a restart the first look at each KnowledgeBase and the drift
	// checks of those already seen take turns in the order they came.
	// (Above it, the drift checks starved the initial list: at N=1000, 98
	// KnowledgeBases were not looked at for six minutes after a restart.)
	routinePriority = handler.LowPriority
	// meteredPriority is the next look of a pass that waits on an
	// account's ingestion quota (a running job's end, a start slot), and
	// a wakeup from the start queue: a slot nobody claims is lost to every
	// KnowledgeBase of the account.
	meteredPriority = 10
)

// priorityOf is p as a reconcile.Result wants it.
func priorityOf(p int) *int { return &p }

// passPriority is the priority of the next look after a pass that ended
// with err.
func passPriority(err error) int {
	if isMetered(err) {
		return meteredPriority
	}
	return routinePriority
}

// staleReadRetry is how soon a pass whose status write was refused as
// stale runs again: the cache lags the API server by milliseconds.
const staleReadRetry = 200 * time.Millisecond

// recordReadyTransition emits an event when Ready changed status or reason,
// and never on a pass that changed nothing.
func (r *KnowledgeBaseReconciler) recordReadyTransition(before, obj *kbv1.KnowledgeBase) {
	was := apimeta.FindStatusCondition(before.Status.Conditions, kbv1.ReadyCondition)
	now := apimeta.FindStatusCondition(obj.Status.Conditions, kbv1.ReadyCondition)
	if now == nil || now.Reason == kbv1.SuspendedReason || (was != nil && was.Status == now.Status && was.Reason == now.Reason) {
		return
	}
	switch {
	case now.Status == metav1.ConditionTrue && was != nil && was.Status == metav1.ConditionFalse && !inProgress(was.Reason):
		r.events.event(obj, corev1.EventTypeNormal, "Recovered", "Reconcile", "%s", now.Message)
	case now.Status == metav1.ConditionTrue, inProgress(now.Reason):
		r.events.event(obj, corev1.EventTypeNormal, now.Reason, "Reconcile", "%s", now.Message)
	default:
		r.events.event(obj, corev1.EventTypeWarning, now.Reason, "Reconcile", "%s", now.Message)
	}
}

// inProgress reports whether a reason means work under way rather than a
// fault: Ready is False for it, but nothing is wrong.
func inProgress(reason string) bool {
	switch reason {
	case kbv1.NotEvaluatedReason, kbv1.ProgressingReason, kbv1.IngestionInProgressReason, kbv1.IngestionPendingReason:
		return true
	}
	return false
}

// patchStatus writes obj's status as a merge patch against before, and only
// when it changed, so a steady-state pass makes no API write and wakes no
// watcher.
//
// The patch carries obj's resourceVersion, so the API server refuses it
// (Conflict) when obj was stale. A merge patch replaces the whole
// conditions list, and the steps keep the conditions of a concern they did
// not re-check this pass as they found them: without the lock, a pass that
// read a cached copy older than the previous pass's write would write the
// older conditions back (a KnowledgeBase showing "AccountBinding not
// verified yet" after it had been verified, until the next interval).
func (r *KnowledgeBaseReconciler) patchStatus(ctx context.Context, before, obj *kbv1.KnowledgeBase) error {
	if equality.Semantic.DeepEqual(before.Status, obj.Status) {
		return nil
	}
	base := obj.DeepCopy()
	base.Status = before.Status
	patch := client.MergeFrom(base)
	if base.ResourceVersion != "" {
		patch = client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})
	}
	if err := r.client.Status().Patch(ctx, obj, patch); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return err
	}
	if obj.ResourceVersion != base.ResourceVersion {
		// Not for a patch the API server found empty (a time that differs
		// below the second it is stored at): it supersedes nothing, and the
		// copy read is still the current one.
		r.stale.wrote(obj.UID, before.ResourceVersion, base.ResourceVersion)
	}
	return nil
}

// summarizeReady computes Ready from Stalled and the per-concern conditions:
// Stalled wins; then the first concern that is False; then the first that is
// Unknown or missing; Ready is True only when every concern is True.
func summarizeReady(obj *kbv1.KnowledgeBase) {
	if c := apimeta.FindStatusCondition(obj.Status.Conditions, kbv1.StalledCondition); c != nil {
		markFalse(obj, kbv1.ReadyCondition, c.Reason, "%s", c.Message)
		return
	}
	var unknown *metav1.Condition
	for _, t := range kbv1.ConcernConditions {
		c := apimeta.FindStatusCondition(obj.Status.Conditions, t)
		switch {
		case c == nil:
			if unknown == nil {
				unknown = &metav1.Condition{Reason: kbv1.NotEvaluatedReason, Message: t + " has not been evaluated yet"}
			}
		case c.Status == metav1.ConditionFalse:
			markFalse(obj, kbv1.ReadyCondition, c.Reason, "%s", c.Message)
			return
		case c.Status == metav1.ConditionUnknown && unknown == nil:
			unknown = c
		}
	}
	if unknown != nil {
		markFalse(obj, kbv1.ReadyCondition, unknown.Reason, "%s", unknown.Message)
		return
	}
	markTrue(obj, kbv1.ReadyCondition, kbv1.SucceededReason, "all concerns are in sync")
}
