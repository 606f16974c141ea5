package controllers

import (
	"context"

	ctrl "sigs.k8s.io/controller-runtime"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/bucketpolicy"
)

// cleanupBucketPolicy removes kbwarden's statement from the vector bucket
// policy (deletionPolicy Delete), keeping every other statement; the policy
// is deleted only when kbwarden's statement was all it held. A bucket that
// is already gone, or outside the allow-list, needs no cleanup.
func (r *KnowledgeBaseReconciler) cleanupBucketPolicy(ctx context.Context, obj *kbv1.KnowledgeBase) error {
	bucket := obj.Spec.VectorBucket.Name
	if !r.AllowedBuckets.Allows(bucket) {
		return nil
	}
	if owner, err := r.statementOwner(ctx, obj); err != nil || owner != "" {
		return err // the statement is another KnowledgeBase's: not ours to remove
	}
	t, err := r.resolveTarget(ctx, obj)
	if err != nil {
		return err
	}
	api := t.vectorBucketAPI(obj)
	defer r.shared().policies.lock(t.region, bucket)()
	live, found, err := api.GetPolicy(ctx, bucket)
	if err != nil {
		if err := classifyBucketErr(err, bucket, obj); reasonOf(err, "") != kbv1.BucketNotFoundReason {
			return err
		}
		return nil // the bucket is gone, and kbwarden's statement with it
	}
	if !found {
		return nil
	}
	sid := desiredStatement(obj, t).StatementID
	policy, deleteWhole, changed, err := bucketpolicy.Remove(live, sid)
	switch {
	case err != nil:
		return policyError(err, bucket, obj)
	case !changed:
		return nil
	case deleteWhole:
		err = api.DeletePolicy(ctx, bucket)
	default:
		err = api.PutPolicy(ctx, bucket, policy)
	}
	if err != nil {
		return classifyBucketErr(err, bucket, obj)
	}
	ctrl.LoggerFrom(ctx).Info("removed kbwarden's statement from the bucket policy", "bucket", bucket, "statement", sid)
	return nil
}
