package controllers

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/bucketpolicy"
	"github.com/kbwarden/kbwarden/internal/metrics"
)

// diagnose is the runbook's diagnosis of a job that failed on an access
// error, automated: it compares the vector bucket's live policy with
// kbwarden's statement and names exactly what Bedrock is not allowed. In
// Enforce it repairs the policy at once (the vector bucket step's own
// repair), which makes the next pass start a job with trigger Repair.
//
// The vector bucket step runs first on every pass, so in Enforce the policy
// is usually repaired already when the failure is seen (the job was started
// by someone else, or before the drift was noticed). Then the policy the job
// ran against is the one the repair replaced, kept in the backup ConfigMap,
// and that is what is named.
func (p *ingestionPass) diagnose(ctx context.Context, job *kbv1.IngestionJob) string {
	log := ctrl.LoggerFrom(ctx)
	bucket := p.obj.Spec.VectorBucket.Name
	desired := desiredStatement(p.obj, p.t)
	who := desired.Principal.Service
	if who == "" {
		who = desired.Principal.RoleARN
	}
	live, _, err := p.t.vectorBucketAPI(p.obj).GetPolicy(ctx, bucket)
	if err != nil {
		return fmt.Sprintf("kbwarden could not read the policy of vector bucket %s to check it: %v", bucket, classifyBucketErr(err, bucket, p.obj))
	}
	if missing := missingActions(live, desired); len(missing) > 0 {
		msg := fmt.Sprintf("vector bucket %s policy does not allow %s %s", bucket, who, strings.Join(missing, ", "))
		if p.obj.DriftPolicy() == kbv1.DriftObserve {
			return msg + " (driftPolicy Observe: kbwarden does not repair it)"
		}
		if err := p.r.reconcileBucketPolicy(ctx, p.obj, p.t); err != nil {
			markFalse(p.obj, kbv1.VectorBucketPolicyInSyncCondition, reasonOf(err, kbv1.AWSErrorReason), "%s", err.Error())
			log.Info("repairing the vector bucket policy after a failed ingestion job failed; retried next pass", "bucket", bucket, "error", err.Error())
			return msg + "; repairing it failed: " + err.Error()
		}
		return msg + "; kbwarden repaired it"
	}
	vb := p.obj.Status.VectorBucket
	if vb != nil && vb.LastRepairTime != nil && job.StartedAt != nil && notBefore(job.StartedAt, vb.LastRepairTime) {
		if before, ok := p.replacedPolicy(ctx); ok {
			if missing := missingActions(before, desired); len(missing) > 0 {
				return fmt.Sprintf("vector bucket %s policy did not allow %s %s when the job ran; kbwarden repaired it at %s",
					bucket, who, strings.Join(missing, ", "), stamp(vb.LastRepairTime))
			}
		}
		return fmt.Sprintf("kbwarden repaired the policy of vector bucket %s at %s, after the job started", bucket, stamp(vb.LastRepairTime))
	}
	return fmt.Sprintf("the policy of vector bucket %s allows %s every declared action, so the denial comes from elsewhere: check the documents bucket's policy, its KMS key, and the knowledge base's service role", bucket, who)
}

// missingActions lists what the policy's kbwarden statement does not allow.
func missingActions(policy string, desired bucketpolicy.Desired) []string {
	res, err := bucketpolicy.Reconcile(policy, desired)
	if err != nil {
		return nil // unreadable: the vector bucket step reports it
	}
	return res.MissingActions()
}

// replacedPolicy is the policy the last repair replaced (policy-1 of the
// backup ConfigMap, read from the manager's cache).
func (p *ingestionPass) replacedPolicy(ctx context.Context) (string, bool) {
	cm := &corev1.ConfigMap{}
	if err := p.r.Get(ctx, client.ObjectKey{Namespace: p.obj.Namespace, Name: policyBackupName(p.obj)}, cm); err != nil {
		return "", false
	}
	policy, ok := cm.Data[policyBackupKey(1)]
	return policy, ok
}

// repairReady reports whether the last job failed on an access error whose
// cause was repaired since it started: by kbwarden (status.vectorBucket.
// lastRepairTime) or by hand (VectorBucketPolicyInSync turned True).
func (p *ingestionPass) repairReady() bool {
	j := p.obj.Status.Ingestion.LastJob
	if j == nil || j.Status != jobFailed || j.StartedAt == nil || !isAccessError(j.FailureReasons) {
		return false
	}
	c := apimeta.FindStatusCondition(p.obj.Status.Conditions, kbv1.VectorBucketPolicyInSyncCondition)
	if c == nil || c.Status != metav1.ConditionTrue {
		return false
	}
	if vb := p.obj.Status.VectorBucket; vb != nil && vb.LastRepairTime != nil && notBefore(j.StartedAt, vb.LastRepairTime) {
		return true
	}
	return notBefore(j.StartedAt, &c.LastTransitionTime)
}

// aclChanges remembers, per KnowledgeBase, when the ACL hash it has not yet
// seen ingested was written. It lives in memory: after a restart the
// exposure of a change in flight is not measured, which loses one sample
// rather than inventing one.
type aclChangeLog struct {
	sync.Mutex
	byUID map[types.UID]aclChange
}

type aclChange struct {
	hash    string
	written time.Time
}

// noteACLChange records when the current ACL hash was written, the first
// time a pass sees it differ from the last successful job's.
func (p *ingestionPass) noteACLChange() {
	ac, st := p.obj.Status.AccessControl, p.obj.Status.Ingestion
	if ac == nil || ac.ACLHash == "" || st.LastSuccessfulJob == nil || st.LastSuccessfulJob.ACLHash == ac.ACLHash {
		return
	}
	p.r.shared().aclChanges.Lock()
	defer p.r.shared().aclChanges.Unlock()
	if c, ok := p.r.shared().aclChanges.byUID[p.obj.UID]; ok && c.hash == ac.ACLHash {
		return
	}
	written := p.now
	if ac.LastSyncTime != nil {
		written = ac.LastSyncTime.Time
	}
	p.r.shared().aclChanges.byUID[p.obj.UID] = aclChange{hash: ac.ACLHash, written: written}
}

// observeExposure measures the ACL exposure window when a COMPLETE job
// includes the ACL change noted earlier.
func (p *ingestionPass) observeExposure(job *kbv1.IngestionJob) {
	p.r.shared().aclChanges.Lock()
	defer p.r.shared().aclChanges.Unlock()
	c, ok := p.r.shared().aclChanges.byUID[p.obj.UID]
	if !ok || c.hash != job.ACLHash || job.UpdatedAt == nil {
		return
	}
	delete(p.r.shared().aclChanges.byUID, p.obj.UID)
	metrics.ACLExposureWindow.WithLabelValues(p.obj.Namespace, p.obj.Name).Observe(job.UpdatedAt.Sub(c.written).Seconds())
}

// notBefore reports whether b (a time kept in status) may be at or after
// a: a repair stored as 12:00:05 counts as after a job that started at
// 12:00:05.3.
func notBefore(a, b *metav1.Time) bool {
	return !latestInstant(b).Before(a.Time)
}
