package controllers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/awsclient"
	"github.com/kbwarden/kbwarden/internal/awserr"
	"github.com/kbwarden/kbwarden/internal/bucketpolicy"
	"github.com/kbwarden/kbwarden/internal/metrics"
)

// bucketPolicyAPI is what the policy step needs of a bucket: S3 and S3
// Vectors adapters (internal/awsclient) both provide it.
type bucketPolicyAPI interface {
	GetPolicy(ctx context.Context, bucket string) (policy string, found bool, err error)
	PutPolicy(ctx context.Context, bucket, policy string) error
	DeletePolicy(ctx context.Context, bucket string) error
	GetFacts(ctx context.Context, bucket string) (awsclient.BucketFacts, error)
}

// bucketVersioningAPI is what the versioning step needs of an S3 bucket.
type bucketVersioningAPI interface {
	GetVersioning(ctx context.Context, bucket string) (string, error)
	PutVersioning(ctx context.Context, bucket, status string) error
}

// target is what every AWS step of one reconcile needs: the region's clients
// and the account and partition the ARNs are built from.
type target struct {
	clients   *awsclient.Clients
	region    string
	account   string
	partition string
}

// resolveTarget finds the region's clients and the account ID (the spec's,
// or the credentials' from STS, cached).
func (r *KnowledgeBaseReconciler) resolveTarget(ctx context.Context, obj *kbv1.KnowledgeBase) (*target, error) {
	if r.AWS == nil {
		return nil, errors.New("the manager has no AWS configuration")
	}
	clients, err := r.AWS.For(obj.Spec.Region)
	if err != nil {
		return nil, stalling(kbv1.InvalidSpecReason, "%w", err)
	}
	account := obj.Spec.AccountID
	if account == "" {
		if account, err = clients.AccountID(ctx); err != nil {
			return nil, classifyAWS(err, "finding the account ID (set spec.accountId to skip this call)", obj.GetInterval())
		}
	}
	return &target{clients: clients, region: clients.Region, account: account, partition: partitionOf(clients.Region)}, nil
}

// vectorBucketAPI returns the policy adapter of the vector bucket's type.
func (t *target) vectorBucketAPI(obj *kbv1.KnowledgeBase) bucketPolicyAPI {
	if obj.Spec.VectorBucket.Type == kbv1.VectorBucketS3Vectors {
		return awsclient.VectorBucket{Client: t.clients.S3Vectors}
	}
	return awsclient.S3Bucket{Client: t.clients.S3}
}

// reconcileVectorBucket owns VectorBucketPolicyInSync and VersioningInSync
// (and status.vectorBucket, status.documents). It checks both buckets against
// the allow-list before any AWS call, keeps kbwarden's one policy statement
// as declared, keeps versioning as declared, and reports the read-only
// facts (encryption, public access block) of the vector bucket.
func (r *KnowledgeBaseReconciler) reconcileVectorBucket(ctx context.Context, obj *kbv1.KnowledgeBase) error {
	for _, bucket := range []string{obj.Spec.VectorBucket.Name, obj.Spec.Documents.Bucket} {
		if !r.AllowedBuckets.Allows(bucket) {
			err := stalling(kbv1.BucketNotAllowedReason, "bucket %s is not in the manager's --allowed-buckets list (%s); ask the platform team to admit it", bucket, r.AllowedBuckets)
			markFalse(obj, kbv1.VectorBucketPolicyInSyncCondition, kbv1.BucketNotAllowedReason, "%s", err.Error())
			markFalse(obj, kbv1.VersioningInSyncCondition, kbv1.BucketNotAllowedReason, "%s", err.Error())
			return err
		}
	}
	owner, err := r.statementOwner(ctx, obj)
	if err != nil {
		return transient(kbv1.ProgressingReason, "listing KnowledgeBases: %w", err)
	}
	if owner != "" {
		err := &StallingError{Reason: kbv1.StatementConflictReason, RetryAfter: obj.GetInterval(),
			Err: fmt.Errorf("KnowledgeBase %s already owns policy statement %s of vector bucket %s; give this one its own spec.vectorBucket.policy.statementId",
				owner, statementID(obj), obj.Spec.VectorBucket.Name)}
		markFalse(obj, kbv1.VectorBucketPolicyInSyncCondition, kbv1.StatementConflictReason, "%s", err.Error())
		return err
	}
	now := time.Now()
	if !r.shared().driftCheck.due(obj, now) {
		return nil // checked less than an interval ago; conditions stand
	}
	t, err := r.resolveTarget(ctx, obj)
	if err != nil {
		markFalse(obj, kbv1.VectorBucketPolicyInSyncCondition, reasonOf(err, kbv1.AWSErrorReason), "%s", err.Error())
		return err
	}
	if obj.Status.VectorBucket == nil {
		obj.Status.VectorBucket = &kbv1.VectorBucketStatus{}
	}
	if err := r.reconcileBucketPolicy(ctx, obj, t); err != nil {
		markFalse(obj, kbv1.VectorBucketPolicyInSyncCondition, reasonOf(err, kbv1.AWSErrorReason), "%s", err.Error())
		return err
	}
	if err := r.reconcileVersioning(ctx, obj, t); err != nil {
		markFalse(obj, kbv1.VersioningInSyncCondition, reasonOf(err, kbv1.AWSErrorReason), "%s", err.Error())
		return err
	}
	r.shared().driftCheck.done(obj, now)
	return nil
}

// reconcileBucketPolicy reads the live policy, merges kbwarden's statement
// into it, and writes it back only when it differs in meaning (Enforce), or
// reports the drift (Observe).
func (r *KnowledgeBaseReconciler) reconcileBucketPolicy(ctx context.Context, obj *kbv1.KnowledgeBase, t *target) error {
	bucket := obj.Spec.VectorBucket.Name
	api := t.vectorBucketAPI(obj)
	desired := desiredStatement(obj, t)

	st := obj.Status.VectorBucket
	st.ARN = vectorBucketARN(obj, t)
	// The facts are only reported: failing to read them (a role without
	// s3:GetEncryptionConfiguration, say) must not stop the repair.
	if facts, err := api.GetFacts(ctx, bucket); err == nil {
		st.Encryption, st.PublicAccessBlocked = facts.Encryption, facts.PublicAccessBlocked
	} else if errors.Is(err, awsclient.ErrBucketNotFound) {
		return classifyBucketErr(err, bucket, obj)
	} else {
		ctrl.LoggerFrom(ctx).Info("could not read the bucket's encryption or public access block; not reported", "bucket", bucket, "reason", awserr.Describe(err))
	}

	defer r.shared().policies.lock(t.region, bucket)()
	live, found, err := api.GetPolicy(ctx, bucket)
	if err != nil {
		return classifyBucketErr(err, bucket, obj)
	}
	res, err := bucketpolicy.Reconcile(live, desired)
	if err != nil {
		return policyError(err, bucket, obj)
	}
	if res.InSync {
		if !keepTrue(obj, kbv1.VectorBucketPolicyInSyncCondition) {
			markTrue(obj, kbv1.VectorBucketPolicyInSyncCondition, kbv1.SucceededReason,
				"bucket policy of %s holds statement %s as declared", bucket, desired.StatementID)
		}
		metrics.Drifted.WithLabelValues(obj.Namespace, obj.Name, metrics.ConcernBucketPolicy).Set(0)
		return nil
	}

	drift := fmt.Sprintf("bucket policy of %s: %s", bucket, strings.Join(res.Drift, "; "))
	if obj.DriftPolicy() == kbv1.DriftObserve {
		r.reportDrift(obj, kbv1.VectorBucketPolicyInSyncCondition, metrics.ConcernBucketPolicy, drift)
		return nil
	}
	if found {
		// The backup is a convenience for rollback: failing to write it is
		// reported, but must not keep the runbook's incident unrepaired.
		if name, err := r.backupPolicy(ctx, obj, live); err != nil {
			r.event(obj, corev1.EventTypeWarning, "PolicyBackupFailed", "BackupBucketPolicy",
				"could not keep a backup of the policy of %s before replacing it: %v", bucket, err)
		} else {
			st.PolicyBackupConfigMap = name
		}
	}
	if err := api.PutPolicy(ctx, bucket, res.Policy); err != nil {
		return classifyBucketErr(err, bucket, obj)
	}
	ctrl.LoggerFrom(ctx).Info("repaired bucket policy", "bucket", bucket, "drift", drift)
	r.recordRepair(obj, kbv1.VectorBucketPolicyInSyncCondition, metrics.ConcernBucketPolicy, drift)
	return nil
}

// reportDrift marks a concern Drifted (driftPolicy Observe). The event, the
// counters and status.vectorBucket.driftCount move only when the drift is
// new or different, not on every pass that sees it again.
func (r *KnowledgeBaseReconciler) reportDrift(obj *kbv1.KnowledgeBase, condType, concern, drift string) {
	c := apimeta.FindStatusCondition(obj.Status.Conditions, condType)
	metrics.Drifted.WithLabelValues(obj.Namespace, obj.Name, concern).Set(1)
	if c != nil && c.Reason == kbv1.DriftedReason && c.Message == drift {
		return
	}
	markFalse(obj, condType, kbv1.DriftedReason, "%s", drift)
	r.countDrift(obj, concern, drift)
	r.event(obj, corev1.EventTypeWarning, kbv1.DriftedReason, "DetectDrift"+actionSuffix(concern), "%s (driftPolicy Observe: not repaired)", drift)
}

// recordRepair marks a concern repaired and records the repair everywhere a
// user looks: condition, event, metric, status.
func (r *KnowledgeBaseReconciler) recordRepair(obj *kbv1.KnowledgeBase, condType, concern, drift string) {
	now := metav1.Now()
	r.countDrift(obj, concern, drift)
	obj.Status.VectorBucket.LastRepairTime = &now
	metrics.DriftRepairs.WithLabelValues(obj.Namespace, obj.Name, concern).Inc()
	metrics.Drifted.WithLabelValues(obj.Namespace, obj.Name, concern).Set(0)
	markTrue(obj, condType, kbv1.DriftRepairedReason, "repaired at %s: %s", now.UTC().Format("2006-01-02T15:04:05Z"), drift)
	r.event(obj, corev1.EventTypeNormal, kbv1.DriftRepairedReason, "Repair"+actionSuffix(concern), "repaired %s", drift)
}

// actionSuffix names a concern in an event's action. Events of the same
// reason and action are aggregated into one series, so two repairs of
// different concerns need different actions to both show in describe.
func actionSuffix(concern string) string {
	return map[string]string{
		metrics.ConcernBucketPolicy: "BucketPolicy",
		metrics.ConcernVersioning:   "Versioning",
		metrics.ConcernACL:          "AccessControl",
	}[concern]
}

func (r *KnowledgeBaseReconciler) countDrift(obj *kbv1.KnowledgeBase, concern, drift string) {
	now := metav1.Now()
	st := obj.Status.VectorBucket
	st.DriftCount++
	st.LastDrift, st.LastDriftTime = drift, &now
	metrics.DriftDetected.WithLabelValues(obj.Namespace, obj.Name, concern).Inc()
}

// desiredStatement builds kbwarden's statement from the spec. With a role
// principal the aws:SourceAccount and aws:SourceArn conditions are left
// out: AWS sets those keys only for service principals, so they would make
// the statement grant nothing.
func desiredStatement(obj *kbv1.KnowledgeBase, t *target) bucketpolicy.Desired {
	vb := obj.Spec.VectorBucket
	d := bucketpolicy.Desired{StatementID: kbv1.DefaultStatementID, Principal: bucketpolicy.Principal{Service: kbv1.DefaultServicePrincipal}}
	scope := kbv1.SourceArnKnowledgeBase
	if p := vb.Policy; p != nil {
		if p.StatementID != "" {
			d.StatementID = p.StatementID
		}
		if p.Principal != nil {
			d.Principal = bucketpolicy.Principal{Service: p.Principal.Service, RoleARN: p.Principal.RoleARN}
		}
		d.Actions = append([]string(nil), p.Actions...)
		if p.SourceArnScope != "" {
			scope = p.SourceArnScope
		}
	}
	if vb.Type == kbv1.VectorBucketS3Vectors {
		d.Resources = bucketpolicy.S3VectorsResources(vectorBucketARN(obj, t))
		if len(d.Actions) == 0 {
			d.Actions = bucketpolicy.DefaultS3VectorsActions()
		}
	} else {
		d.Resources = bucketpolicy.S3Resources(vb.Name, t.partition)
		if len(d.Actions) == 0 {
			d.Actions = bucketpolicy.DefaultS3Actions()
		}
	}
	if d.Principal.Service != "" {
		d.SourceAccount = t.account
		d.SourceArn = bucketpolicy.KnowledgeBaseARN(t.partition, t.region, t.account, obj.Spec.KnowledgeBaseID)
		if scope == kbv1.SourceArnAccount {
			d.SourceArn = bucketpolicy.AnyKnowledgeBaseARN(t.partition, t.region, t.account)
		}
	}
	return d
}

// vectorBucketARN is the vector bucket's ARN.
func vectorBucketARN(obj *kbv1.KnowledgeBase, t *target) string {
	if obj.Spec.VectorBucket.Type == kbv1.VectorBucketS3Vectors {
		return fmt.Sprintf("arn:%s:s3vectors:%s:%s:bucket/%s", t.partition, t.region, t.account, obj.Spec.VectorBucket.Name)
	}
	return fmt.Sprintf("arn:%s:s3:::%s", t.partition, obj.Spec.VectorBucket.Name)
}

// partitionOf returns the AWS partition of a region.
func partitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "eu-isoe-"):
		return "aws-iso-e"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	}
	return "aws"
}
