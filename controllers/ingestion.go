package controllers

import (
	"context"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
)

// reconcileIngestion owns IngestionSucceeded. This version of kbwarden does not
// start or watch ingestion jobs yet.
func (r *KnowledgeBaseReconciler) reconcileIngestion(_ context.Context, obj *kbv1.KnowledgeBase) error {
	markUnknown(obj, kbv1.IngestionSucceededCondition, kbv1.NotEvaluatedReason,
		"this version of kbwarden does not watch ingestion jobs yet")
	return nil
}
