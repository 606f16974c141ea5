package controllers

import (
	"context"

	ctrl "sigs.k8s.io/controller-runtime"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/metrics"
)

// cleanupAccessControl removes, for deletionPolicy Delete, the ACL files
// kbwarden wrote and nobody changed since (the sidecars it created, the
// global file), and its manifest; never a document, never a sidecar it did
// not create. A bucket that is gone or outside the allow-list needs no cleanup.
func (s *accessControlStep) cleanup(ctx context.Context, obj *kbv1.KnowledgeBase, p *pass) error {
	metrics.ForgetACL(obj.Namespace, obj.Name)
	bucket := obj.Spec.Documents.Bucket
	if obj.AccessControlMode() == kbv1.AccessControlNone {
		return nil
	}
	if p.target == nil {
		return cleanupBlocked(p)
	}
	if p.gate.blocked(concernAccessControl) != nil {
		return nil // not ours to touch
	}
	target, _ := aclTarget(obj) // the files to remove do not depend on the rules
	target.MayTouch = p.target.mayTouch
	removed, left, err := s.syncer.Cleanup(ctx, p.target.clients.S3, target)
	if err != nil {
		if err := documentsBucketErr(err, obj); reasonOf(err, "") == kbv1.BucketNotFoundReason {
			return nil
		}
		return documentsBucketErr(err, obj)
	}
	ctrl.LoggerFrom(ctx).Info("removed kbwarden's ACL files", "bucket", bucket, "removed", removed, "left", len(left))
	return nil
}
