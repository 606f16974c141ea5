package controllers

import (
	"context"
	"errors"

	corev1 "k8s.io/api/core/v1"

	ctrl "sigs.k8s.io/controller-runtime"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/bucketpolicy"
)

// cleanup removes kbwarden's statement from the vector bucket policy
// (deletionPolicy Delete), keeping every other statement; the policy is
// deleted only when kbwarden's statement was all it held. A bucket that is
// already gone, outside the allow-list, or whose statement another
// KnowledgeBase owns needs no cleanup.
func (s *vectorBucketPolicyStep) cleanup(ctx context.Context, obj *kbv1.KnowledgeBase, p *pass) error {
	if p.target == nil {
		return cleanupBlocked(p)
	}
	if p.gate.blocked(concernPolicy) != nil {
		return nil // not ours to touch
	}
	bucket := obj.Spec.VectorBucket.Name
	api := p.target.vectorBucketAPI(obj)
	defer s.locks.lock(p.target.region, bucket)()
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
	sid := desiredStatement(obj, p.target).StatementID
	recorded := ""
	if vb := obj.Status.VectorBucket; vb != nil {
		recorded = vb.StatementHash
	}
	policy, deleteWhole, changed, err := bucketpolicy.Remove(live, sid, recorded)
	var notOwned *bucketpolicy.StatementNotOwnedError
	switch {
	case errors.As(err, &notOwned):
		// Someone changed the statement since kbwarden wrote it, or
		// kbwarden never wrote it: it is theirs now, and stays.
		s.events.event(obj, corev1.EventTypeWarning, kbv1.StatementNotOwnedReason, "RemoveStatement",
			"left statement %s in the policy of bucket %s: %v", sid, bucket, err)
		return nil
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
