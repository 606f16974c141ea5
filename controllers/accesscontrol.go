package controllers

import (
	"context"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
)

// reconcileAccessControl owns AccessControlInSync. With mode None there is
// nothing to keep in sync; other modes are not managed by this version yet.
func (r *KnowledgeBaseReconciler) reconcileAccessControl(_ context.Context, obj *kbv1.KnowledgeBase) error {
	if obj.AccessControlMode() == kbv1.AccessControlNone {
		markTrue(obj, kbv1.AccessControlInSyncCondition, kbv1.DisabledReason,
			"accessControl.mode is None: kbwarden writes no ACL file")
		return nil
	}
	markUnknown(obj, kbv1.AccessControlInSyncCondition, kbv1.NotEvaluatedReason,
		"this version of kbwarden does not write ACL files yet")
	return nil
}
