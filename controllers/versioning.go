package controllers

import (
	"context"
	"fmt"
	"strings"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/awsclient"
	"github.com/kbwarden/kbwarden/internal/metrics"
)

// bucketVersioningAPI is what the versioning step needs of an S3 bucket.
type bucketVersioningAPI interface {
	GetVersioning(ctx context.Context, bucket string) (string, error)
	PutVersioning(ctx context.Context, bucket, status string) error
}

// versioningStep owns VersioningInSync and status.versioning. It keeps
// versioning of the vector bucket (S3 type only: S3 Vectors buckets have
// none) and of the documents bucket as declared, at most once per interval
// (its own drift check log). It reads the vector bucket's versioning even
// when unmanaged, to report it; the documents bucket is read only when its
// versioning is managed.
type versioningStep struct {
	drift  driftRecorder
	checks *driftCheckLog
}

func newVersioningStep(ev recorder, clk clock.PassiveClock) *versioningStep {
	return &versioningStep{
		drift:  driftRecorder{concern: metrics.ConcernVersioning, condition: kbv1.VersioningInSyncCondition, action: "Versioning", events: ev, clock: clk},
		checks: newDriftCheckLog(),
	}
}

func (s *versioningStep) reconcile(ctx context.Context, obj *kbv1.KnowledgeBase, p *pass) error {
	if reportBlocked(obj, p, concernVersioning, kbv1.VersioningInSyncCondition, metav1.ConditionFalse) {
		return nil
	}
	if !s.checks.due(obj, p.now) {
		return nil // checked less than an interval ago; the condition stands
	}
	if err := s.check(ctx, obj, awsclient.S3Bucket{Client: p.target.clients.S3}); err != nil {
		markFalse(obj, kbv1.VersioningInSyncCondition, reasonOf(err, kbv1.AWSErrorReason), "%s", err.Error())
		return err
	}
	s.checks.done(obj, p.now)
	return nil
}

// forget drops what the step remembers of a deleted KnowledgeBase.
func (s *versioningStep) forget(uid types.UID) { s.checks.forget(uid) }

// check reads both buckets' versioning and repairs (Enforce) or reports
// (Observe) what differs, in one condition and one drift record.
func (s *versioningStep) check(ctx context.Context, obj *kbv1.KnowledgeBase, api bucketVersioningAPI) error {
	if obj.Status.Versioning == nil {
		obj.Status.Versioning = &kbv1.VersioningStatus{}
	}
	st := obj.Status.Versioning
	type bucketVersioning struct {
		role, bucket string
		want         kbv1.VersioningMode
		report       *string
	}
	var buckets []bucketVersioning
	if obj.HasVectorBucket() && obj.Spec.VectorBucket.Type != kbv1.VectorBucketS3Vectors {
		buckets = append(buckets, bucketVersioning{"vector bucket", obj.Spec.VectorBucket.Name, obj.Spec.VectorBucket.Versioning, &st.VectorBucket})
	}
	if want := obj.Spec.Documents.Versioning; want != "" && want != kbv1.VersioningUnmanaged {
		buckets = append(buckets, bucketVersioning{"documents bucket", obj.Spec.Documents.Bucket, want, &st.DocumentsBucket})
	}

	var drifts, repairs, states []string
	for _, b := range buckets {
		live, err := api.GetVersioning(ctx, b.bucket)
		if err != nil {
			return classifyBucketErr(err, b.bucket, obj)
		}
		*b.report = live
		if versioningSatisfies(live, b.want) {
			states = append(states, fmt.Sprintf("%s %s versioning %s", b.role, b.bucket, live))
			continue
		}
		drift := fmt.Sprintf("%s %s versioning is %s, want %s", b.role, b.bucket, live, b.want)
		if obj.DriftPolicy() == kbv1.DriftObserve {
			drifts = append(drifts, drift)
			continue
		}
		if err := api.PutVersioning(ctx, b.bucket, string(b.want)); err != nil {
			return classifyBucketErr(err, b.bucket, obj)
		}
		*b.report = string(b.want)
		ctrl.LoggerFrom(ctx).Info("repaired bucket versioning", "bucket", b.bucket, "drift", drift)
		repairs = append(repairs, drift)
	}
	if len(repairs) > 0 {
		s.drift.repaired(obj, &st.Drift, strings.Join(repairs, "; "))
		return nil
	}
	if len(drifts) > 0 {
		s.drift.observed(obj, &st.Drift, strings.Join(drifts, "; "))
		return nil
	}
	s.drift.inSync(obj)
	if c := apimeta.FindStatusCondition(obj.Status.Conditions, kbv1.VersioningInSyncCondition); c != nil && c.Reason == kbv1.DriftRepairedReason &&
		keepTrue(obj, kbv1.VersioningInSyncCondition) {
		return nil // keep the repair visible until something else changes
	}
	if len(states) == 0 || allUnmanaged(obj) {
		markTrue(obj, kbv1.VersioningInSyncCondition, kbv1.UnmanagedReason, "versioning is not managed (%s)", describeStates(states))
		return nil
	}
	markTrue(obj, kbv1.VersioningInSyncCondition, kbv1.SucceededReason, "%s", describeStates(states))
	return nil
}

// versioningSatisfies: Unmanaged accepts anything; Suspended accepts a bucket
// that never had versioning, since both keep no new versions and turning
// versioning on just to suspend it would be a change nobody asked for.
func versioningSatisfies(live string, want kbv1.VersioningMode) bool {
	switch want {
	case "", kbv1.VersioningUnmanaged:
		return true
	case kbv1.VersioningSuspended:
		return live == "Suspended" || live == "Disabled"
	}
	return live == string(want)
}

func allUnmanaged(obj *kbv1.KnowledgeBase) bool {
	unmanaged := func(m kbv1.VersioningMode) bool { return m == "" || m == kbv1.VersioningUnmanaged }
	return unmanaged(obj.Spec.VectorBucket.Versioning) && unmanaged(obj.Spec.Documents.Versioning)
}

func describeStates(states []string) string {
	if len(states) == 0 {
		return "no S3 bucket to check"
	}
	return strings.Join(states, "; ")
}
