package controllers

import (
	"context"
	"errors"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/arn"
	"github.com/kbwarden/kbwarden/internal/awsclient"
)

// preconditionsStep decides what a pass may touch at all, before any AWS
// call: the buckets the manager admits (--allowed-buckets), the policy
// statement no other KnowledgeBase owns, and the AWS target (region
// clients and account). It sets no condition: it blocks concerns in the
// pass's gate, and each concern's step reports the block under its own
// condition, so a documents-bucket problem shows under AccessControlInSync
// and the vector bucket's concerns go on.
type preconditionsStep struct {
	client   client.Reader
	aws      *awsclient.Factory
	allowed  BucketAllowList
	defaults regionDefaults
	// tenancy is whether a KnowledgeBase acts only through an
	// AccountBinding (Required) or with the manager's identity (Optional).
	tenancy TenancyMode
}

func newPreconditionsStep(c client.Reader, aws *awsclient.Factory, allowed BucketAllowList, defaults regionDefaults, mode TenancyMode) *preconditionsStep {
	return &preconditionsStep{client: c, aws: aws, allowed: allowed, defaults: defaults, tenancy: mode}
}

// forget drops the AWS sessions of a deleted KnowledgeBase: its
// assumed-role credentials are not kept until they idle out.
func (s *preconditionsStep) forget(obj *kbv1.KnowledgeBase) {
	if s.aws != nil {
		s.aws.ForgetKnowledgeBase(obj.Namespace, obj.Name)
	}
}

// reconcile fills p.target and p.gate. It returns an error only when it
// cannot tell (the cache failed); a block is not an error of this step.
func (s *preconditionsStep) reconcile(ctx context.Context, obj *kbv1.KnowledgeBase, p *pass) error {
	if bucket := obj.Spec.VectorBucket.Name; obj.HasVectorBucket() && !s.allowed.Allows(bucket) {
		p.gate.block(s.notAllowed("vector", bucket), concernPolicy, concernVersioning, concernIngestion)
	}
	if bucket := obj.Spec.Documents.Bucket; !s.allowed.Allows(bucket) {
		p.gate.block(s.notAllowed("documents", bucket), concernVersioning, concernAccessControl, concernIngestion)
	}
	if bucket := bookkeepingBucket(obj); bucket != "" && !s.allowed.Allows(bucket) {
		p.gate.block(s.notAllowed("bookkeeping", bucket), concernAccessControl, concernIngestion)
	}
	// The grant first: a KnowledgeBase its binding does not grant is
	// refused before it can take part in anything else.
	t, err := s.resolveTarget(ctx, obj)
	var tr *TransientError
	switch {
	case errors.As(err, &tr):
		return err // the cache or STS failed once: retried, conditions stand
	case err != nil:
		p.gate.block(err, concernPolicy, concernVersioning, concernAccessControl, concernIngestion)
		return nil
	}
	p.target = t
	owner, err := s.statementOwner(ctx, obj, t.account)
	if err != nil {
		return transient(kbv1.ProgressingReason, "looking for another owner of the policy statement: %w", err)
	}
	if owner != "" {
		p.gate.block(&StallingError{Reason: kbv1.StatementConflictReason, RetryAfter: obj.GetInterval(),
			Err: fmt.Errorf("KnowledgeBase %s already owns policy statement %s of vector bucket %s; give this one its own spec.vectorBucket.policy.statementId",
				owner, statementID(obj), obj.Spec.VectorBucket.Name)}, concernPolicy, concernIngestion)
	}
	blocked, err := s.aclConflict(ctx, obj)
	if err != nil {
		return err
	}
	if blocked != nil {
		p.gate.block(blocked, concernAccessControl, concernIngestion)
	}
	return nil
}

func (s *preconditionsStep) notAllowed(role, bucket string) error {
	return stalling(kbv1.BucketNotAllowedReason, "%s bucket %s is not in the manager's --allowed-buckets list (%s); ask the platform team to admit it", role, bucket, s.allowed)
}

// resolveTarget finds the region's clients and the account ID (the spec's,
// or the credentials' from STS, cached).
func (s *preconditionsStep) resolveTarget(ctx context.Context, obj *kbv1.KnowledgeBase) (*target, error) {
	if s.aws == nil {
		return nil, stalling(kbv1.InvalidSpecReason, "the manager has no AWS configuration")
	}
	if s.tenancy.Required() {
		return s.tenantTarget(ctx, obj)
	}
	clients, err := s.aws.For(obj.Spec.Region)
	if err != nil {
		return nil, stalling(kbv1.InvalidSpecReason, "%w", err)
	}
	account := obj.Spec.AccountID
	if account == "" {
		if account, err = clients.AccountID(ctx); err != nil {
			return nil, classifyAWS(err, "finding the account ID (set spec.accountId to skip this call)", obj.GetInterval())
		}
	}
	return &target{clients: clients, region: clients.Region, account: account, partition: arn.Partition(clients.Region),
		mayTouch: func(bucket, _ string) bool { return s.allowed.Allows(bucket) }}, nil
}

// statementKeyIndex indexes KnowledgeBases by the policy statement they
// own, so the conflict check reads one cache bucket instead of every
// KnowledgeBase. The key holds spec.accountId as written (empty when the
// KnowledgeBase leaves it to its binding or to STS): an index function sees
// only the object.
const statementKeyIndex = "kbwarden.statementKey"

// index registers statementKeyIndex on the manager's cache.
func (s *preconditionsStep) index(ctx context.Context, indexer client.FieldIndexer) error {
	if err := indexACLScopes(ctx, indexer); err != nil {
		return err
	}
	return indexer.IndexField(ctx, &kbv1.KnowledgeBase{}, statementKeyIndex, s.statementKeys)
}

// statementKeys is statementKeyIndex's value of a KnowledgeBase.
func (s *preconditionsStep) statementKeys(o client.Object) []string {
	kb := o.(*kbv1.KnowledgeBase)
	if !kb.HasVectorBucket() {
		return nil // no vector bucket, no statement
	}
	return []string{s.defaults.statementKey(kb, kb.Spec.AccountID)}
}

// statementOwner returns the KnowledgeBase ("namespace/name") that owns the
// same policy statement (same account, region, vector bucket and Sid) as
// obj, whose account is account, and was created first, or "" when obj owns
// it. Two owners would rewrite the one statement back and forth, each with
// its own aws:SourceArn, breaking the other's ingestion every drift check.
// KnowledgeBases in different accounts never share a statement: an S3
// Vectors bucket belongs to one account, and only the account that owns an
// S3 bucket may change its policy.
//
// It reads the manager's cache through statementKeyIndex, under the key of
// obj's account and, for KnowledgeBases that name no account, the key
// without one; their account is their binding's (Required) or the
// manager's (Optional, from STS, cached). No API call, and no AWS call
// beyond that cached one.
func (s *preconditionsStep) statementOwner(ctx context.Context, obj *kbv1.KnowledgeBase, account string) (string, error) {
	if !obj.HasVectorBucket() {
		return "", nil
	}
	keys := []string{s.defaults.statementKey(obj, account)}
	if account != "" {
		keys = append(keys, s.defaults.statementKey(obj, ""))
	}
	for _, key := range keys {
		var list kbv1.KnowledgeBaseList
		if err := s.client.List(ctx, &list, client.MatchingFields{statementKeyIndex: key}); err != nil {
			return "", err
		}
		for i := range list.Items {
			other := &list.Items[i]
			if other.UID == obj.UID || !other.DeletionTimestamp.IsZero() {
				continue
			}
			otherAccount, ok, err := s.accountOf(ctx, other)
			if err != nil {
				return "", err
			}
			if !ok || otherAccount != account {
				continue
			}
			if createdBefore(other, obj) {
				return other.Namespace + "/" + other.Name, nil
			}
		}
	}
	return "", nil
}

// accountOf is the account another KnowledgeBase acts in, for the conflict
// check; ok is false when it owns nothing. Under tenancy, a KnowledgeBase
// its binding does not grant owns nothing: another tenant cannot block this
// one by naming its bucket first. It creates no session for other.
func (s *preconditionsStep) accountOf(ctx context.Context, other *kbv1.KnowledgeBase) (account string, ok bool, err error) {
	if s.tenancy.Required() {
		b, _, _, err := s.tenantGrant(ctx, other)
		if err != nil {
			return "", false, nil
		}
		// The grant checked that a spec.accountId is the binding's.
		return b.Spec.AccountID, true, nil
	}
	if other.Spec.AccountID != "" {
		return other.Spec.AccountID, true, nil
	}
	if s.aws == nil {
		return "", false, nil
	}
	clients, err := s.aws.For(other.Spec.Region)
	if err != nil {
		return "", false, nil // no region: it reaches no bucket
	}
	if account, err = clients.AccountID(ctx); err != nil {
		return "", false, err
	}
	return account, true, nil
}

// regionDefaults fills in what a KnowledgeBase leaves to the manager.
type regionDefaults struct{ aws *awsclient.Factory }

// region is the KnowledgeBase's region, or the manager's default.
func (d regionDefaults) region(obj *kbv1.KnowledgeBase) string {
	if obj.Spec.Region == "" && d.aws != nil {
		return d.aws.DefaultRegion()
	}
	return obj.Spec.Region
}

// statementKey identifies the statement a KnowledgeBase acting in account
// owns.
func (d regionDefaults) statementKey(obj *kbv1.KnowledgeBase, account string) string {
	return account + "/" + d.region(obj) + "/" + string(obj.Spec.VectorBucket.Type) + "/" + obj.Spec.VectorBucket.Name + "/" + statementID(obj)
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
