package controllers

import (
	"context"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
)

// statementOwner returns the KnowledgeBase ("namespace/name") that owns the
// same policy statement (same region, vector bucket and Sid) as obj and was
// created first, or "" when obj owns it. Two owners would rewrite the one
// statement back and forth, each with its own aws:SourceArn, breaking the
// other's ingestion every drift check. It reads the manager's cache: no API
// or AWS call.
func (r *KnowledgeBaseReconciler) statementOwner(ctx context.Context, obj *kbv1.KnowledgeBase) (string, error) {
	var list kbv1.KnowledgeBaseList
	if err := r.List(ctx, &list); err != nil {
		return "", err
	}
	key := r.statementKey(obj)
	for i := range list.Items {
		other := &list.Items[i]
		if other.UID == obj.UID || !other.DeletionTimestamp.IsZero() || r.statementKey(other) != key {
			continue
		}
		if createdBefore(other, obj) {
			return other.Namespace + "/" + other.Name, nil
		}
	}
	return "", nil
}

// statementKey identifies the statement a KnowledgeBase owns.
func (r *KnowledgeBaseReconciler) statementKey(obj *kbv1.KnowledgeBase) string {
	region := obj.Spec.Region
	if region == "" && r.AWS != nil {
		region = r.AWS.DefaultRegion()
	}
	return region + "/" + string(obj.Spec.VectorBucket.Type) + "/" + obj.Spec.VectorBucket.Name + "/" + statementID(obj)
}

// statementID is the Sid of the statement obj owns.
func statementID(obj *kbv1.KnowledgeBase) string {
	if p := obj.Spec.VectorBucket.Policy; p != nil && p.StatementID != "" {
		return p.StatementID
	}
	return kbv1.DefaultStatementID
}

// createdBefore orders KnowledgeBases by creation, then by name, so exactly
// one of two is the owner.
func createdBefore(a, b *kbv1.KnowledgeBase) bool {
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.CreationTimestamp.Before(&b.CreationTimestamp)
	}
	return a.Namespace+"/"+a.Name < b.Namespace+"/"+b.Name
}
