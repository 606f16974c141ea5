package controllers

import (
	"context"
	"fmt"
	"strings"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	ctrl "sigs.k8s.io/controller-runtime"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/awsclient"
	"github.com/kbwarden/kbwarden/internal/metrics"
)

// reconcileVersioning keeps versioning of the vector bucket (S3 type only:
// S3 Vectors buckets have none) and of the documents bucket as declared. It
// reads the vector bucket's versioning even when unmanaged, to report it;
// the documents bucket is read only when its versioning is managed.
func (r *KnowledgeBaseReconciler) reconcileVersioning(ctx context.Context, obj *kbv1.KnowledgeBase, t *target) error {
	api := awsclient.S3Bucket{Client: t.clients.S3}
	type bucketVersioning struct {
		role, bucket string
		want         kbv1.VersioningMode
		report       *string
	}
	var buckets []bucketVersioning
	if obj.Spec.VectorBucket.Type != kbv1.VectorBucketS3Vectors {
		buckets = append(buckets, bucketVersioning{"vector bucket", obj.Spec.VectorBucket.Name, obj.Spec.VectorBucket.Versioning, &obj.Status.VectorBucket.Versioning})
	}
	if want := obj.Spec.Documents.Versioning; want != "" && want != kbv1.VersioningUnmanaged {
		if obj.Status.Documents == nil {
			obj.Status.Documents = &kbv1.DocumentsStatus{}
		}
		buckets = append(buckets, bucketVersioning{"documents bucket", obj.Spec.Documents.Bucket, want, &obj.Status.Documents.Versioning})
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
		r.recordRepair(obj, kbv1.VersioningInSyncCondition, metrics.ConcernVersioning, strings.Join(repairs, "; "))
		return nil
	}
	if len(drifts) > 0 {
		r.reportDrift(obj, kbv1.VersioningInSyncCondition, metrics.ConcernVersioning, strings.Join(drifts, "; "))
		return nil
	}
	metrics.Drifted.WithLabelValues(obj.Namespace, obj.Name, metrics.ConcernVersioning).Set(0)
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
