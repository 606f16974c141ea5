// Package controllers holds the KnowledgeBase reconciler: a thin Reconcile
// that runs an ordered list of small steps, each owning its conditions.
package controllers

import (
	"context"
	"errors"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/awsclient"
	"github.com/kbwarden/kbwarden/internal/metrics"
)

// ControllerName names the controller in events, logs and metrics.
const ControllerName = "kbwarden"

// KnowledgeBaseReconciler keeps the AWS infrastructure behind a KnowledgeBase
// in the declared state.
type KnowledgeBaseReconciler struct {
	client.Client
	// Recorder emits Kubernetes events, on transitions only.
	Recorder events.EventRecorder
	// AWS hands out the SDK clients of each region.
	AWS *awsclient.Factory
	// AllowedBuckets limits the buckets kbwarden acts on.
	AllowedBuckets BucketAllowList
	// MaxConcurrentReconciles bounds parallel reconciles (default 4).
	MaxConcurrentReconciles int
	// Ingestion tunes the ingestion step; zero fields take the defaults.
	Ingestion IngestionOptions
	// APIReader reads straight from the API server, for objects outside the
	// manager's cache (mgr.GetAPIReader()); the client is used when nil.
	APIReader client.Reader

	sharedOnce  sync.Once
	sharedState *sharedState
}

// reconcileStep is one ordered step of a reconcile. It owns the conditions its
// doc comment names, and returns a typed error (StallingError, WaitingError,
// TransientError) or nil.
type reconcileStep func(ctx context.Context, obj *kbv1.KnowledgeBase) error

// +kubebuilder:rbac:groups=knowledge.kbwarden.io,resources=knowledgebases,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=knowledge.kbwarden.io,resources=knowledgebases/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=knowledge.kbwarden.io,resources=knowledgebases/finalizers,verbs=update
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups="",resources=configmaps,verbs=get;list;watch;create;update

// Reconcile gets the KnowledgeBase, defers the single status patch, handles
// deletion, the finalizer and suspension, then runs the steps in order.
func (r *KnowledgeBaseReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	obj := &kbv1.KnowledgeBase{}
	if err := r.Get(ctx, req.NamespacedName, obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	before := obj.DeepCopy()
	defer func() {
		result, retErr = r.finish(ctx, before, obj, result, retErr)
	}()

	if !obj.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.reconcileDelete(ctx, obj)
	}
	if !controllerutil.ContainsFinalizer(obj, kbv1.Finalizer) {
		if err := r.patchFinalizer(ctx, obj, controllerutil.AddFinalizer); err != nil {
			return ctrl.Result{}, err
		}
	}
	if obj.Spec.Suspend {
		return ctrl.Result{}, r.reconcileSuspended(ctx, obj)
	}
	for _, step := range r.steps() {
		if err := step(ctx, obj); err != nil {
			return ctrl.Result{}, err
		}
	}
	return ctrl.Result{RequeueAfter: nextPass(obj, time.Now())}, nil
}

// nextPass is when to look again: the drift-check interval (with jitter, so
// many KnowledgeBases do not call AWS at once), or sooner when the next
// scheduled ingestion job is due first.
func nextPass(obj *kbv1.KnowledgeBase, now time.Time) time.Duration {
	after := wait.Jitter(obj.GetInterval(), 0.1)
	if st := obj.Status.Ingestion; st != nil && st.NextScheduledAt != nil {
		if due := st.NextScheduledAt.Sub(now); due > 0 && due < after {
			after = due
		}
	}
	return after
}

// steps lists the per-concern steps in the order they run: the vector bucket
// first (ingestion depends on its policy), then the ACL files, then ingestion.
func (r *KnowledgeBaseReconciler) steps() []reconcileStep {
	return []reconcileStep{
		r.reconcileVectorBucket,
		r.reconcileAccessControl,
		r.reconcileIngestion,
	}
}

// reconcileSuspended owns Ready while spec.suspend is true: it says so, and
// clears Reconciling and Stalled since no work is under way.
func (r *KnowledgeBaseReconciler) reconcileSuspended(ctx context.Context, obj *kbv1.KnowledgeBase) error {
	if c := apimeta.FindStatusCondition(obj.Status.Conditions, kbv1.ReadyCondition); c == nil || c.Reason != kbv1.SuspendedReason {
		r.event(obj, corev1.EventTypeNormal, kbv1.SuspendedReason, "Suspend", "reconciliation suspended: kbwarden makes no AWS call until spec.suspend is false")
	}
	ctrl.LoggerFrom(ctx).V(1).Info("reconciliation suspended")
	return nil
}

// reconcileDelete runs the cleanup that deletionPolicy asks for, then removes
// the finalizer so the object can go.
func (r *KnowledgeBaseReconciler) reconcileDelete(ctx context.Context, obj *kbv1.KnowledgeBase) error {
	if !controllerutil.ContainsFinalizer(obj, kbv1.Finalizer) {
		return nil
	}
	// Observe never wrote anything, so there is nothing of kbwarden's to
	// remove: a statement or file with kbwarden's name is someone else's.
	if obj.DeletionPolicy() == kbv1.DeletionDelete && !obj.Spec.Suspend && obj.DriftPolicy() == kbv1.DriftEnforce {
		for _, cleanup := range r.cleanups() {
			if err := cleanup(ctx, obj); err != nil {
				return err
			}
		}
	}
	if err := r.patchFinalizer(ctx, obj, controllerutil.RemoveFinalizer); err != nil {
		return err
	}
	metrics.Forget(obj.Namespace, obj.Name)
	metrics.ForgetACL(obj.Namespace, obj.Name)
	metrics.ForgetIngestion(obj.Namespace, obj.Name)
	r.shared().forget(obj.UID)
	return nil
}

// cleanups lists what deletionPolicy Delete removes, in order. Each removes
// only what kbwarden wrote.
func (r *KnowledgeBaseReconciler) cleanups() []reconcileStep {
	return []reconcileStep{r.cleanupBucketPolicy, r.cleanupAccessControl}
}

// patchFinalizer adds or removes kbwarden's finalizer with a metadata patch.
func (r *KnowledgeBaseReconciler) patchFinalizer(ctx context.Context, obj *kbv1.KnowledgeBase, change func(client.Object, string) bool) error {
	base := obj.DeepCopy()
	if !change(obj, kbv1.Finalizer) {
		return nil
	}
	if err := r.Patch(ctx, obj, client.MergeFrom(base)); client.IgnoreNotFound(err) != nil {
		return transient(kbv1.ProgressingReason, "updating finalizer: %w", err)
	}
	return nil
}

// event records a Kubernetes event about obj.
func (r *KnowledgeBaseReconciler) event(obj *kbv1.KnowledgeBase, eventType, reason, action, note string, args ...any) {
	if r.Recorder != nil {
		r.Recorder.Eventf(obj, nil, eventType, reason, action, note, args...)
	}
}

// SetupWithManager registers the reconciler. It reconciles on spec changes
// (generation) and on annotation changes (the manual trigger), not on its own
// status writes.
func (r *KnowledgeBaseReconciler) SetupWithManager(mgr ctrl.Manager) error {
	workers := r.MaxConcurrentReconciles
	if workers <= 0 {
		workers = 4
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&kbv1.KnowledgeBase{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		WithOptions(controller.Options{MaxConcurrentReconciles: workers}).
		Named(ControllerName).
		Complete(r)
}

// reader returns APIReader, or the client when there is none.
func (r *KnowledgeBaseReconciler) reader() client.Reader {
	if r.APIReader != nil {
		return r.APIReader
	}
	return r.Client
}

// CacheOptions limits the manager's cache to what kbwarden reads: of
// ConfigMaps, only its own policy backups (labelled managed-by kbwarden), so
// the manager does not watch every ConfigMap of the cluster.
func CacheOptions() cache.Options {
	return cache.Options{ByObject: map[client.Object]cache.ByObject{
		&corev1.ConfigMap{}: {Label: labels.SelectorFromSet(labels.Set{"app.kubernetes.io/managed-by": "kbwarden"})},
	}}
}

// requeueAfterOf returns how long a WaitingError asks to wait, or 0.
func requeueAfterOf(err error) time.Duration {
	var w *WaitingError
	if errors.As(err, &w) {
		return w.RequeueAfter
	}
	return 0
}
