package controllers

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/awsclient"
	"github.com/kbwarden/kbwarden/internal/awserr"
)

// AccountBindingControllerName names the binding controller in events,
// logs and metrics.
const AccountBindingControllerName = "kbwarden-accountbinding"

// AccountBindingReconciler verifies AccountBindings: it obtains the
// binding's credentials (sts:AssumeRole of spec.roleArn from the manager's
// own, or the manager's own when there is no role), asks
// sts:GetCallerIdentity where they land, and says in Ready whether that is
// spec.accountId. KnowledgeBases use only Ready bindings, so a role that
// cannot be assumed, or lands in another account, stops them before they
// call AWS with it.
//
// Credentials and the caller identity are cached by the Factory, so a
// steady-state pass makes no AWS call; a role that can no longer be assumed
// shows when its credentials are renewed (within awsclient.SessionDuration).
type AccountBindingReconciler struct {
	client.Client
	// AWS hands out the credentials of each binding.
	AWS *awsclient.Factory
	// Recorder emits events when Ready changes; optional.
	Recorder events.EventRecorder
	// Clock stamps condition transitions; the real clock when nil.
	Clock clock.PassiveClock
	// Interval is how often a binding is verified again (default
	// kbv1.DefaultAccountBindingInterval).
	Interval time.Duration
}

// +kubebuilder:rbac:groups=knowledge.kbwarden.io,resources=accountbindings,verbs=get;list;watch
// +kubebuilder:rbac:groups=knowledge.kbwarden.io,resources=accountbindings/status,verbs=patch
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch

// Reconcile verifies one binding and writes its status once, as a patch,
// only when it changed.
func (r *AccountBindingReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	obj := &kbv1.AccountBinding{}
	if err := r.Get(ctx, req.NamespacedName, obj); err != nil {
		if client.IgnoreNotFound(err) == nil {
			r.AWS.ForgetBinding(req.Name)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	before := obj.DeepCopy()
	if obj.Status.ObservedGeneration >= 0 && obj.Status.ObservedGeneration != obj.Generation {
		// The role or external ID may have changed: sessions of the old
		// spec must not outlive it.
		r.AWS.ForgetBinding(obj.Name)
	}
	verifyErr := r.verify(ctx, obj)
	obj.Status.ObservedGeneration = obj.Generation
	if !equality.Semantic.DeepEqual(before.Status, obj.Status) {
		if err := r.Status().Patch(ctx, obj, client.MergeFrom(before)); err != nil {
			return ctrl.Result{}, fmt.Errorf("patching the status of AccountBinding %s: %w", obj.Name, err)
		}
		r.recordTransition(before, obj)
	}
	if verifyErr != nil {
		// Transient: retried with backoff; Reconciling says so meanwhile.
		return ctrl.Result{}, verifyErr
	}
	return ctrl.Result{RequeueAfter: wait.Jitter(r.interval(), 0.1)}, nil
}

// verify owns Ready, Stalled and Reconciling and status.identity. It
// returns an error only for a failure that may pass by itself (throttling,
// 5xx, network), which the caller returns for backoff.
func (r *AccountBindingReconciler) verify(ctx context.Context, obj *kbv1.AccountBinding) error {
	id := awsclient.Identity{Binding: obj.Name, RoleARN: obj.Spec.RoleARN, ExternalID: obj.Spec.ExternalID}
	who := "kbwarden's own identity"
	if id.RoleARN != "" {
		who = "role " + id.RoleARN
	}
	region := ""
	if len(obj.Spec.Regions) > 0 && r.AWS.DefaultRegion() == "" {
		region = obj.Spec.Regions[0]
	}
	clients, err := r.AWS.ForIdentity(id, region)
	if err != nil {
		r.stall(obj, kbv1.AssumeRoleFailedReason, "%v", err)
		return nil
	}
	caller, err := clients.CallerIdentity(ctx)
	var credErr *awsclient.CredentialsError
	switch {
	case err != nil && isTransientAWS(err):
		r.progressing(obj, kbv1.IdentityCheckFailedReason, "verifying %s: %s; retrying", who, awserr.Describe(err))
		return fmt.Errorf("verifying AccountBinding %s: %w", obj.Name, err)
	case errors.As(err, &credErr):
		r.stall(obj, kbv1.AssumeRoleFailedReason, "%s could not be assumed: %s (check that its trust policy admits kbwarden's role with sts:AssumeRole and sts:TagSession, and the external ID)", who, awserr.Describe(credErr.Err))
		return nil
	case err != nil:
		r.stall(obj, kbv1.IdentityCheckFailedReason, "sts:GetCallerIdentity with %s failed: %s", who, awserr.Describe(err))
		return nil
	}
	obj.Status.Identity = caller.ARN
	if caller.Account != obj.Spec.AccountID {
		r.stall(obj, kbv1.AccountMismatchReason, "the credentials of %s land in account %s (as %s), not in spec.accountId %s", who, caller.Account, caller.ARN, obj.Spec.AccountID)
		return nil
	}
	r.setCondition(obj, kbv1.ReadyCondition, metav1.ConditionTrue, kbv1.SucceededReason, "%s acts as %s in account %s", who, caller.ARN, caller.Account)
	apimeta.RemoveStatusCondition(&obj.Status.Conditions, kbv1.StalledCondition)
	apimeta.RemoveStatusCondition(&obj.Status.Conditions, kbv1.ReconcilingCondition)
	return nil
}

// isTransientAWS reports whether an AWS failure may pass by itself.
func isTransientAWS(err error) bool {
	k := awserr.Classify(err)
	return k == awserr.Throttled || k == awserr.ServerError
}

// stall marks the binding not Ready until its spec or the AWS side changes.
func (r *AccountBindingReconciler) stall(obj *kbv1.AccountBinding, reason, format string, args ...any) {
	r.setCondition(obj, kbv1.ReadyCondition, metav1.ConditionFalse, reason, format, args...)
	r.setCondition(obj, kbv1.StalledCondition, metav1.ConditionTrue, reason, format, args...)
	apimeta.RemoveStatusCondition(&obj.Status.Conditions, kbv1.ReconcilingCondition)
}

// progressing marks the binding as being verified, after a transient error.
// Ready keeps a previous True: credentials that worked a moment ago are not
// revoked by a throttled STS call.
func (r *AccountBindingReconciler) progressing(obj *kbv1.AccountBinding, reason, format string, args ...any) {
	if !apimeta.IsStatusConditionTrue(obj.Status.Conditions, kbv1.ReadyCondition) {
		r.setCondition(obj, kbv1.ReadyCondition, metav1.ConditionUnknown, reason, format, args...)
	}
	r.setCondition(obj, kbv1.ReconcilingCondition, metav1.ConditionTrue, reason, format, args...)
	apimeta.RemoveStatusCondition(&obj.Status.Conditions, kbv1.StalledCondition)
}

// setCondition sets a condition of the binding's generation; its
// lastTransitionTime moves (to the injected clock's now) only when its
// status changes, so a steady state rewrites nothing.
func (r *AccountBindingReconciler) setCondition(obj *kbv1.AccountBinding, condType string, status metav1.ConditionStatus, reason, format string, args ...any) {
	apimeta.SetStatusCondition(&obj.Status.Conditions, metav1.Condition{
		Type:               condType,
		Status:             status,
		Reason:             reason,
		Message:            fmt.Sprintf(format, args...),
		ObservedGeneration: obj.Generation,
		LastTransitionTime: metav1.NewTime(r.clock().Now()),
	})
}

// recordTransition emits an event when Ready's status or reason changed.
func (r *AccountBindingReconciler) recordTransition(before, after *kbv1.AccountBinding) {
	if r.Recorder == nil {
		return
	}
	was := apimeta.FindStatusCondition(before.Status.Conditions, kbv1.ReadyCondition)
	now := apimeta.FindStatusCondition(after.Status.Conditions, kbv1.ReadyCondition)
	if now == nil || (was != nil && was.Status == now.Status && was.Reason == now.Reason) {
		return
	}
	eventType := corev1.EventTypeNormal
	if now.Status != metav1.ConditionTrue {
		eventType = corev1.EventTypeWarning
	}
	r.Recorder.Eventf(after, nil, eventType, now.Reason, "Verify", "%s", now.Message)
}

func (r *AccountBindingReconciler) clock() clock.PassiveClock {
	if r.Clock == nil {
		return clock.RealClock{}
	}
	return r.Clock
}

func (r *AccountBindingReconciler) interval() time.Duration {
	if r.Interval <= 0 {
		return kbv1.DefaultAccountBindingInterval
	}
	return r.Interval
}

// SetupWithManager registers the reconciler. It reconciles on spec changes
// (generation), not on its own status writes, and again every Interval.
func (r *AccountBindingReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&kbv1.AccountBinding{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Named(AccountBindingControllerName).
		Complete(r)
}
