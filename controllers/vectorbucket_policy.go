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
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

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

// vectorBucketPolicyStep owns VectorBucketPolicyInSync, status.vectorBucket
// and the policy backup ConfigMap. It keeps kbwarden's one policy statement
// as declared (Enforce) or reports its drift (Observe), reports the
// read-only facts of the vector bucket (encryption, public access block),
// and hands a policyReport forward for the ingestion step's diagnosis.
//
// Its state: a lock per bucket around the read-merge-write, the drift
// check log (the policy is read at most once per interval unless someone
// asks), and what the last check found, per KnowledgeBase.
type vectorBucketPolicyStep struct {
	client client.Client
	reader client.Reader
	events recorder
	clock  clock.PassiveClock
	drift  driftRecorder
	locks  bucketLocks
	checks *driftCheckLog
	// facts logs the reads of the bucket's encryption and public access
	// block, which are reported, not kept: they are read once per
	// factsInterval, not at every drift check.
	facts  *driftCheckLog
	memory *policyMemory
}

// factsInterval is how often a vector bucket's encryption and public access
// block are read again (or spec.interval, if longer), besides a new spec, a
// manual trigger and a restart. At every drift check they were two of a
// steady state's five S3 requests, for two values that rarely change and
// that kbwarden only reports.
const factsInterval = time.Hour

func newVectorBucketPolicyStep(c client.Client, reader client.Reader, ev recorder, clk clock.PassiveClock) *vectorBucketPolicyStep {
	return &vectorBucketPolicyStep{
		client: c, reader: reader, events: ev, clock: clk,
		drift:  driftRecorder{concern: metrics.ConcernBucketPolicy, condition: kbv1.VectorBucketPolicyInSyncCondition, action: "BucketPolicy", events: ev, clock: clk},
		checks: newDriftCheckLog(),
		facts:  newDriftCheckLog(),
		memory: &policyMemory{byUID: map[types.UID]policyCheck{}},
	}
}

func (s *vectorBucketPolicyStep) reconcile(ctx context.Context, obj *kbv1.KnowledgeBase, p *pass) error {
	if !obj.HasVectorBucket() {
		// A Quick knowledge base keeps its index in Quick: no bucket of
		// the user's, no statement, and no report for the ingestion step.
		markTrue(obj, kbv1.VectorBucketPolicyInSyncCondition, kbv1.UnmanagedReason,
			"spec.vectorBucket is not set: the knowledge base has no vector bucket for kbwarden to keep a policy statement in")
		return nil
	}
	if reportBlocked(obj, p, concernPolicy, kbv1.VectorBucketPolicyInSyncCondition, metav1.ConditionFalse) {
		return nil
	}
	desired := desiredStatement(obj, p.target)
	if s.checks.due(obj, p.now) {
		if err := s.check(ctx, obj, p.target, desired); err != nil {
			markFalse(obj, kbv1.VectorBucketPolicyInSyncCondition, reasonOf(err, kbv1.AWSErrorReason), "%s", err.Error())
			return err
		}
		s.checks.done(obj, p.now)
	}
	p.policy = s.report(obj, desired)
	return nil
}

// check reads the live policy, merges kbwarden's statement into it, and
// writes it back only when it differs in meaning (Enforce), or reports the
// drift (Observe).
func (s *vectorBucketPolicyStep) check(ctx context.Context, obj *kbv1.KnowledgeBase, t *target, desired bucketpolicy.Desired) error {
	bucket := obj.Spec.VectorBucket.Name
	api := t.vectorBucketAPI(obj)
	if obj.Status.VectorBucket == nil {
		obj.Status.VectorBucket = &kbv1.VectorBucketStatus{}
	}
	st := obj.Status.VectorBucket
	st.ARN = vectorBucketARN(obj, t)
	// The facts are only reported: failing to read them (a role without
	// s3:GetEncryptionConfiguration, say) must not stop the repair.
	if s.facts.dueEvery(obj, s.clock.Now(), max(factsInterval, obj.GetInterval())) {
		if facts, err := api.GetFacts(ctx, bucket); err == nil {
			st.Encryption, st.PublicAccessBlocked = facts.Encryption, facts.PublicAccessBlocked
			s.facts.done(obj, s.clock.Now())
		} else if errors.Is(err, awsclient.ErrBucketNotFound) {
			return classifyBucketErr(err, bucket, obj)
		} else {
			ctrl.LoggerFrom(ctx).Info("could not read the bucket's encryption or public access block; not reported", "bucket", bucket, "reason", awserr.Describe(err))
		}
	}

	defer s.locks.lock(t.region, bucket)()
	live, found, err := api.GetPolicy(ctx, bucket)
	if err != nil {
		return classifyBucketErr(err, bucket, obj)
	}
	res, err := bucketpolicy.Reconcile(live, desired)
	if err != nil {
		return policyError(err, bucket, obj)
	}
	now := s.clock.Now()
	if res.InSync {
		if obj.DriftPolicy() == kbv1.DriftEnforce {
			// Adopted as kbwarden's (Reconcile checked its effect and
			// principal): cleanup may remove it while it stays as it is.
			st.StatementHash = res.StatementHash
		}
		s.memory.checked(obj.UID, now, nil)
		if !keepTrue(obj, kbv1.VectorBucketPolicyInSyncCondition) {
			markTrue(obj, kbv1.VectorBucketPolicyInSyncCondition, kbv1.SucceededReason,
				"bucket policy of %s holds statement %s as declared", bucket, desired.StatementID)
		}
		s.drift.inSync(obj)
		return nil
	}

	drift := fmt.Sprintf("bucket policy of %s: %s", bucket, strings.Join(res.Drift, "; "))
	if obj.DriftPolicy() == kbv1.DriftObserve {
		s.memory.checked(obj.UID, now, res.MissingActions())
		s.drift.observed(obj, &st.PolicyDrift, drift)
		return nil
	}
	if found {
		// The backup is a convenience for rollback: failing to write it is
		// reported, but must not keep the runbook's incident unrepaired.
		if name, err := s.backup(ctx, obj, live); err != nil {
			s.events.event(obj, corev1.EventTypeWarning, "PolicyBackupFailed", "BackupBucketPolicy",
				"could not keep a backup of the policy of %s before replacing it: %v", bucket, err)
		} else {
			st.PolicyBackupConfigMap = name
		}
	}
	if err := api.PutPolicy(ctx, bucket, res.Policy); err != nil {
		return classifyBucketErr(err, bucket, obj)
	}
	st.StatementHash = res.StatementHash
	ctrl.LoggerFrom(ctx).Info("repaired bucket policy", "bucket", bucket, "drift", drift)
	s.memory.repaired(obj.UID, now, res.MissingActions())
	s.drift.repaired(obj, &st.PolicyDrift, drift)
	return nil
}

// report is what this step hands forward: what the live policy lacked at
// the last check, and when it was last repaired or found in sync.
func (s *vectorBucketPolicyStep) report(obj *kbv1.KnowledgeBase, desired bucketpolicy.Desired) *policyReport {
	r := &policyReport{bucket: obj.Spec.VectorBucket.Name, principal: desired.Principal.Service, observe: obj.DriftPolicy() == kbv1.DriftObserve}
	if r.principal == "" {
		r.principal = desired.Principal.RoleARN
	}
	if m, ok := s.memory.get(obj.UID); ok {
		r.checkedAt, r.missing, r.replacedMissing, r.repairedAt = m.at, m.missing, m.replacedMissing, m.repairedAt
	}
	if vb := obj.Status.VectorBucket; vb != nil && vb.PolicyDrift != nil {
		r.lastRepair = vb.PolicyDrift.LastRepairTime
	}
	if c := apimeta.FindStatusCondition(obj.Status.Conditions, kbv1.VectorBucketPolicyInSyncCondition); c != nil && c.Status == metav1.ConditionTrue {
		r.inSync, r.inSyncSince = true, c.LastTransitionTime.DeepCopy()
	}
	return r
}

// forget drops what the step remembers of a deleted KnowledgeBase.
func (s *vectorBucketPolicyStep) forget(uid types.UID) {
	s.checks.forget(uid)
	s.facts.forget(uid)
	s.memory.forget(uid)
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
		for _, a := range p.Actions {
			d.Actions = append(d.Actions, string(a))
		}
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
		d.SourceArn = bucketpolicy.KnowledgeBaseARN(t.partition, t.region, t.account, obj.KnowledgeBaseID())
		if scope == kbv1.SourceArnAccount {
			d.SourceArn = bucketpolicy.AnyKnowledgeBaseARN(t.partition, t.region, t.account)
		}
	}
	return d
}

// vectorBucketAPI returns the policy adapter of the vector bucket's type.
func (t *target) vectorBucketAPI(obj *kbv1.KnowledgeBase) bucketPolicyAPI {
	if obj.Spec.VectorBucket.Type == kbv1.VectorBucketS3Vectors {
		return awsclient.VectorBucket{Client: t.clients.S3Vectors}
	}
	return awsclient.S3Bucket{Client: t.clients.S3}
}

// vectorBucketARN is the vector bucket's ARN.
func vectorBucketARN(obj *kbv1.KnowledgeBase, t *target) string {
	if obj.Spec.VectorBucket.Type == kbv1.VectorBucketS3Vectors {
		return fmt.Sprintf("arn:%s:s3vectors:%s:%s:bucket/%s", t.partition, t.region, t.account, obj.Spec.VectorBucket.Name)
	}
	return fmt.Sprintf("arn:%s:s3:::%s", t.partition, obj.Spec.VectorBucket.Name)
}
