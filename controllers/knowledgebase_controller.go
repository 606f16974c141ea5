// Package controllers holds the KnowledgeBase reconciler: a thin Reconcile
// that runs an ordered list of step types, each owning its state, its
// conditions and its AWS calls, and handing its result forward in a pass.
package controllers

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/awsclient"
	"github.com/kbwarden/kbwarden/internal/metrics"
)

// ControllerName names the controller in events, logs and metrics.
const ControllerName = "kbwarden"

// Config is what the KnowledgeBase reconciler is built from.
type Config struct {
	// Client reads from the manager's cache and writes to the API server.
	Client client.Client
	// APIReader reads straight from the API server, for objects outside the
	// manager's cache (mgr.GetAPIReader()); Client is used when nil.
	APIReader client.Reader
	// Recorder emits Kubernetes events, on transitions only.
	Recorder events.EventRecorder
	// AWS hands out the SDK clients of each region.
	AWS *awsclient.Factory
	// AllowedBuckets limits the buckets kbwarden acts on, in every mode.
	AllowedBuckets BucketAllowList
	// Tenancy is Required (the zero value: a KnowledgeBase acts only
	// through an AccountBinding of its namespace) or Optional.
	Tenancy TenancyMode
	// Ingestion tunes the ingestion step; zero fields take the defaults.
	Ingestion IngestionOptions
	// MaxConcurrentReconciles bounds parallel reconciles (default 4).
	MaxConcurrentReconciles int
	// Clock is where every step reads the time; the real clock when nil.
	Clock clock.WithTicker
}

// KnowledgeBaseReconciler keeps the AWS infrastructure behind a KnowledgeBase
// in the declared state. Build it with NewKnowledgeBaseReconciler.
type KnowledgeBaseReconciler struct {
	client   client.Client
	events   recorder
	clock    clock.WithTicker
	workers  int
	defaults regionDefaults
	// stale holds the resourceVersions this reconciler's status writes
	// superseded, so a pass never runs on a copy older than its own write.
	stale *staleReads

	preconditions *preconditionsStep
	policy        *vectorBucketPolicyStep
	versioning    *versioningStep
	accessControl *accessControlStep
	ingestion     *ingestionStep
	// quickIngestion is the ingestion step of spec.quick KnowledgeBases.
	quickIngestion *quickIngestionStep
}

// NewKnowledgeBaseReconciler builds the reconciler and each of its steps,
// handing every step only the dependencies it uses.
func NewKnowledgeBaseReconciler(c Config) *KnowledgeBaseReconciler {
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	reader := c.APIReader
	if reader == nil {
		reader = c.Client
	}
	ev := recorder{c.Recorder}
	defaults := regionDefaults{aws: c.AWS}
	policy := newVectorBucketPolicyStep(c.Client, reader, ev, c.Clock)
	access := newAccessControlStep(ev, c.Clock)
	return &KnowledgeBaseReconciler{
		client:         c.Client,
		events:         ev,
		clock:          c.Clock,
		workers:        c.MaxConcurrentReconciles,
		defaults:       defaults,
		stale:          newStaleReads(),
		preconditions:  newPreconditionsStep(c.Client, c.AWS, c.AllowedBuckets, defaults, c.Tenancy),
		policy:         policy,
		versioning:     newVersioningStep(ev, c.Clock),
		accessControl:  access,
		ingestion:      newIngestionStep(c.Ingestion, ev, c.Clock, ingestionChecks{policy: policy.checks, acl: access.checks}),
		quickIngestion: newQuickIngestionStep(c.Ingestion, ev, c.Clock, access.checks),
	}
}

// step is one concern of a reconcile. It owns the conditions and status
// fields its doc comment names, reads what earlier steps put in the pass,
// adds its own result, and returns a typed error (StallingError,
// WaitingError, TransientError) or nil.
type step interface {
	reconcile(ctx context.Context, obj *kbv1.KnowledgeBase, p *pass) error
}

// +kubebuilder:rbac:groups=knowledge.kbwarden.io,resources=knowledgebases,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=knowledge.kbwarden.io,resources=knowledgebases/status,verbs=get;patch
// +kubebuilder:rbac:groups=knowledge.kbwarden.io,resources=knowledgebases/finalizers,verbs=update
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups="",resources=configmaps,verbs=get;list;watch;create;update

// Reconcile gets the KnowledgeBase, defers the single status patch, handles
// deletion, the finalizer and suspension, then runs the steps in order.
func (r *KnowledgeBaseReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	obj := &kbv1.KnowledgeBase{}
	if err := r.client.Get(ctx, req.NamespacedName, obj); err != nil {
		if apierrors.IsNotFound(err) {
			r.ingestion.forgetKey(req.String()) // gone without kbwarden seeing it go
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if r.stale.stale(obj.UID, obj.ResourceVersion) {
		// The cache has not caught up with this reconciler's last write.
		ctrl.LoggerFrom(ctx).V(1).Info("the cached KnowledgeBase predates kbwarden's last status write; looking again", "resourceVersion", obj.ResourceVersion)
		return ctrl.Result{RequeueAfter: staleReadRetry, Priority: priorityOf(changedPriority)}, nil
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
	if obj.KnowledgeBaseID() == "" {
		// Stored before the consumer field existed: the API server admits
		// no new object like it, and the edit that fixes it is allowed.
		return ctrl.Result{}, stalling(kbv1.InvalidSpecReason, "the spec names no knowledge base: set spec.bedrock {knowledgeBaseId, dataSourceId} "+
			"(where spec.knowledgeBaseId and spec.dataSourceId were before v1alpha1 named the consumer) or spec.quick {knowledgeBaseId}")
	}
	p := &pass{now: r.clock.Now()}
	for _, s := range r.steps(obj) {
		if err := s.reconcile(ctx, obj, p); err != nil {
			return ctrl.Result{}, err
		}
	}
	// A blocked concern reported itself under its own condition; the pass
	// as a whole stalls with the first block's reason.
	if err := p.gate.first(); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{RequeueAfter: nextPass(obj, r.clock.Now())}, nil
}

// steps lists the steps in the order they run: what may be touched at all,
// the vector bucket (ingestion reads its policy report), versioning, the
// ACL files (ingestion reads their hash), then ingestion, which is the
// consumer's: Bedrock's jobs or Quick's refreshes.
func (r *KnowledgeBaseReconciler) steps(obj *kbv1.KnowledgeBase) []step {
	var ingest step = r.ingestion
	if obj.Consumer() == kbv1.ConsumerQuick {
		ingest = r.quickIngestion
	}
	return []step{r.preconditions, r.policy, r.versioning, r.accessControl, ingest}
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

// reconcileSuspended owns Ready while spec.suspend is true: it says so, and
// clears Reconciling and Stalled since no work is under way.
func (r *KnowledgeBaseReconciler) reconcileSuspended(ctx context.Context, obj *kbv1.KnowledgeBase) error {
	if c := apimeta.FindStatusCondition(obj.Status.Conditions, kbv1.ReadyCondition); c == nil || c.Reason != kbv1.SuspendedReason {
		r.events.event(obj, corev1.EventTypeNormal, kbv1.SuspendedReason, "Suspend", "reconciliation suspended: kbwarden makes no AWS call until spec.suspend is false")
	}
	r.ingestion.forgetKey(queueKey(obj)) // a suspended KnowledgeBase holds no place in line
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
		p := &pass{now: r.clock.Now()}
		if err := r.preconditions.reconcile(ctx, obj, p); err != nil {
			return err
		}
		if obj.HasVectorBucket() {
			if err := r.policy.cleanup(ctx, obj, p); err != nil {
				return err
			}
		}
		if err := r.accessControl.cleanup(ctx, obj, p); err != nil {
			return err
		}
	}
	if err := r.patchFinalizer(ctx, obj, controllerutil.RemoveFinalizer); err != nil {
		return err
	}
	metrics.Forget(obj.Namespace, obj.Name)
	metrics.ForgetACL(obj.Namespace, obj.Name)
	metrics.ForgetIngestion(obj.Namespace, obj.Name)
	r.stale.forget(obj.UID)
	r.preconditions.forget(obj)
	r.policy.forget(obj.UID)
	r.versioning.forget(obj.UID)
	r.accessControl.forget(obj)
	r.ingestion.forget(obj.UID, queueKey(obj))
	r.quickIngestion.forget(obj.UID)
	return nil
}

// patchFinalizer adds or removes kbwarden's finalizer with a metadata patch.
func (r *KnowledgeBaseReconciler) patchFinalizer(ctx context.Context, obj *kbv1.KnowledgeBase, change func(client.Object, string) bool) error {
	base := obj.DeepCopy()
	if !change(obj, kbv1.Finalizer) {
		return nil
	}
	// With an optimistic lock: the finalizers list is replaced whole by a
	// merge patch, so a patch from a stale copy would drop a finalizer
	// another controller added meanwhile.
	err := r.client.Patch(ctx, obj, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{}))
	if err != nil {
		// The object still has the finalizers it had: the status patch
		// and the deletion path must see them.
		obj.SetFinalizers(base.GetFinalizers())
	}
	if apierrors.IsConflict(err) {
		// The cache is behind the object; the next look reads it anew.
		return waiting(kbv1.ProgressingReason, finalizerConflictRetry, "updating finalizer: the object changed meanwhile; looking again")
	}
	if client.IgnoreNotFound(err) != nil {
		return transient(kbv1.ProgressingReason, "updating finalizer: %w", err)
	}
	return nil
}

// finalizerConflictRetry is how soon a finalizer patch refused on a stale
// resourceVersion is tried again.
const finalizerConflictRetry = time.Second

// SetupWithManager registers the reconciler and the cache index the
// preconditions step reads. It reconciles on spec changes (generation) and
// on annotation changes (the manual trigger), not on its own status writes.
func (r *KnowledgeBaseReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if err := r.preconditions.index(context.Background(), mgr.GetFieldIndexer()); err != nil {
		return err
	}
	// The start queue runs with the manager (and stops with it): it wakes
	// the KnowledgeBase whose turn came through a channel source.
	if err := mgr.Add(r.ingestion.queue); err != nil {
		return err
	}
	metrics.ObserveStartQueue(r.ingestion.queue.Stats)
	workers := r.workers
	if workers <= 0 {
		workers = 4
	}
	b := ctrl.NewControllerManagedBy(mgr)
	if r.preconditions.tenancy.Required() {
		// A binding created, changed or made Ready, and a namespace
		// relabelled, change what a KnowledgeBase may touch.
		b = b.Watches(&kbv1.AccountBinding{}, handler.EnqueueRequestsFromMapFunc(r.allKnowledgeBases)).
			Watches(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(r.knowledgeBasesIn),
				builder.WithPredicates(predicate.LabelChangedPredicate{}))
	}
	return b.
		For(&kbv1.KnowledgeBase{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		WatchesRawSource(source.Channel(r.ingestion.wakeups, enqueueWakeup{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: workers}).
		Named(ControllerName).
		Complete(r)
}

// allKnowledgeBases maps an AccountBinding event to every KnowledgeBase:
// a binding may select any namespace.
func (r *KnowledgeBaseReconciler) allKnowledgeBases(ctx context.Context, _ client.Object) []reconcile.Request {
	return r.requestsFor(ctx)
}

// knowledgeBasesIn maps a Namespace event to its KnowledgeBases.
func (r *KnowledgeBaseReconciler) knowledgeBasesIn(ctx context.Context, ns client.Object) []reconcile.Request {
	return r.requestsFor(ctx, client.InNamespace(ns.GetName()))
}

func (r *KnowledgeBaseReconciler) requestsFor(ctx context.Context, opts ...client.ListOption) []reconcile.Request {
	var list kbv1.KnowledgeBaseList
	if err := r.client.List(ctx, &list, opts...); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "listing KnowledgeBases to reconcile after a tenancy change")
		return nil
	}
	out := make([]reconcile.Request, 0, len(list.Items))
	for _, kb := range list.Items {
		out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: kb.Namespace, Name: kb.Name}})
	}
	return out
}

// CacheOptions limits the manager's cache to what kbwarden reads: of
// ConfigMaps, only its own policy backups (labelled managed-by kbwarden), so
// the manager does not watch every ConfigMap of the cluster.
func CacheOptions() cache.Options {
	return cache.Options{ByObject: map[client.Object]cache.ByObject{
		&corev1.ConfigMap{}: {Label: labels.SelectorFromSet(labels.Set{"app.kubernetes.io/managed-by": "kbwarden"})},
	}}
}
