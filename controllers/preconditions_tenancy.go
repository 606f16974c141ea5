package controllers

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/aclsync"
	"github.com/kbwarden/kbwarden/internal/arn"
	"github.com/kbwarden/kbwarden/internal/awsclient"
	"github.com/kbwarden/kbwarden/internal/tenancy"
)

// tenantTarget resolves, under --tenancy=Required, the AccountBinding of
// obj, checks everything obj names against what the binding grants, and
// returns the AWS target of the binding's role: the account is the
// binding's (verified by the binding's own controller with
// sts:GetCallerIdentity), so no STS call is made per reconcile. Every
// refusal is decided here from the manager's cache, before any AWS call.
func (s *preconditionsStep) tenantTarget(ctx context.Context, obj *kbv1.KnowledgeBase) (*target, error) {
	b, grant, region, err := s.tenantGrant(ctx, obj)
	if err != nil {
		return nil, err
	}
	clients, err := s.aws.ForIdentity(awsclient.Identity{Binding: b.Name, RoleARN: b.Spec.RoleARN, ExternalID: b.Spec.ExternalID,
		Namespace: obj.Namespace, KnowledgeBase: obj.Name}, region)
	if err != nil {
		return nil, stalling(kbv1.InvalidSpecReason, "%w", err)
	}
	return &target{clients: clients, region: clients.Region, account: b.Spec.AccountID, partition: arn.Partition(clients.Region),
		mayTouch: func(bucket, key string) bool { return grant.Object(bucket, key) == nil }}, nil
}

// tenantGrant resolves obj's AccountBinding and checks what obj names
// against it, from the cache only; it returns the binding, its parsed
// grant and the region.
func (s *preconditionsStep) tenantGrant(ctx context.Context, obj *kbv1.KnowledgeBase) (*kbv1.AccountBinding, *tenancy.Grant, string, error) {
	ns := &corev1.Namespace{}
	if err := s.client.Get(ctx, client.ObjectKey{Name: obj.Namespace}, ns); err != nil {
		return nil, nil, "", transient(kbv1.ProgressingReason, "reading namespace %s: %w", obj.Namespace, err)
	}
	var bindings kbv1.AccountBindingList
	if err := s.client.List(ctx, &bindings); err != nil {
		return nil, nil, "", transient(kbv1.ProgressingReason, "listing AccountBindings: %w", err)
	}
	b, err := tenancy.Resolve(tenancy.Namespace{Name: ns.Name, Labels: ns.Labels}, obj.Spec.AccountBinding, bindings.Items)
	if err != nil {
		return nil, nil, "", s.tenancyError(err, obj)
	}
	grant, err := tenancy.NewGrant(b)
	if err != nil {
		return nil, nil, "", &StallingError{Reason: kbv1.NotGrantedReason, RetryAfter: obj.GetInterval(), Err: err}
	}
	region := s.defaults.region(obj)
	if err := grant.Check(grantRequest(obj, region)); err != nil {
		return nil, nil, "", s.tenancyError(err, obj)
	}
	if p := obj.Spec.VectorBucket.Policy; p != nil && p.Principal != nil && p.Principal.RoleARN != "" {
		if err := grant.PrincipalRole(p.Principal.RoleARN); err != nil {
			return nil, nil, "", s.tenancyError(err, obj)
		}
	}
	return b, grant, region, nil
}

// grantRequest lists everything obj would touch, for the grant check:
// whole buckets where kbwarden acts on the bucket itself (its policy, its
// versioning), key prefixes where it lists and writes ACL files.
func grantRequest(obj *kbv1.KnowledgeBase, region string) tenancy.Request {
	docs := obj.Spec.Documents
	r := tenancy.Request{
		AccountID:        obj.Spec.AccountID,
		Region:           region,
		KnowledgeBaseIDs: []string{obj.KnowledgeBaseID()},
		Prefixes:         []tenancy.Location{{Field: "spec.documents.prefix", Bucket: docs.Bucket, Key: docs.Prefix}},
	}
	if obj.HasVectorBucket() {
		r.Buckets = append(r.Buckets, tenancy.Location{Field: "spec.vectorBucket.name", Bucket: obj.Spec.VectorBucket.Name})
	}
	if docs.Versioning != "" && docs.Versioning != kbv1.VersioningUnmanaged {
		r.Buckets = append(r.Buckets, tenancy.Location{Field: "spec.documents.versioning", Bucket: docs.Bucket})
	}
	if ac := obj.Spec.AccessControl; ac != nil && obj.AccessControlMode() != kbv1.AccessControlNone {
		if ac.MetadataPrefix != "" {
			r.Prefixes = append(r.Prefixes, tenancy.Location{Field: "spec.accessControl.metadataPrefix", Bucket: docs.Bucket, Key: ac.MetadataPrefix})
		}
		if ac.GlobalFile != "" {
			r.Objects = append(r.Objects, tenancy.Location{Field: "spec.accessControl.globalFile", Bucket: docs.Bucket, Key: ac.GlobalFile})
		}
		// kbwarden's manifest is written too, so its folder must be
		// granted like the files it lists.
		book := tenancy.Location{Field: "kbwarden's manifest (spec.accessControl.bookkeepingBucket)", Bucket: docs.Bucket, Key: aclsync.DefaultBookkeepingPrefix(aclOwner(obj))}
		if ac.BookkeepingBucket != "" {
			book.Bucket = ac.BookkeepingBucket
		}
		r.Prefixes = append(r.Prefixes, book)
	}
	return r
}

// bookkeepingBucket is the bucket named for kbwarden's manifest, when it is
// not the documents bucket.
func bookkeepingBucket(obj *kbv1.KnowledgeBase) string {
	if ac := obj.Spec.AccessControl; ac != nil && obj.AccessControlMode() != kbv1.AccessControlNone {
		return ac.BookkeepingBucket
	}
	return ""
}

// bindingVerifyRetry is how soon a KnowledgeBase whose binding is being
// verified looks again.
const bindingVerifyRetry = 5 * time.Second

// tenancyError types a tenancy refusal: a binding not Ready yet waits (it
// is being verified), everything else stalls and is looked at again every
// interval, since the platform team may grant it meanwhile.
func (s *preconditionsStep) tenancyError(err error, obj *kbv1.KnowledgeBase) error {
	var te *tenancy.Error
	if !errors.As(err, &te) {
		return &StallingError{Reason: kbv1.NotGrantedReason, RetryAfter: obj.GetInterval(), Err: err}
	}
	if !te.Stalled() {
		// The binding's controller verifies it within seconds; its status
		// change wakes this KnowledgeBase too, but a look soon covers an
		// event that raced this KnowledgeBase into the cache.
		return waiting(te.Reason, min(obj.GetInterval(), bindingVerifyRetry), "%s", te.Message)
	}
	return &StallingError{Reason: te.Reason, RetryAfter: obj.GetInterval(), Err: fmt.Errorf("%s", te.Message)}
}
