package controllers

import (
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
)

// diagnoseAccessFailure is the runbook's diagnosis of a job that failed on
// an access error, automated, as a pure function of the policy step's
// report: it names exactly what kbwarden's statement does not allow
// Bedrock. The policy step runs first in every pass, so in Enforce the
// policy is usually repaired already when the failure is seen (the job was
// started by someone else, or before the drift was noticed); then what the
// replaced policy lacked is named, since that is what the job ran against.
func diagnoseAccessFailure(job *kbv1.IngestionJob, r *policyReport) string {
	if r == nil {
		return "kbwarden does not check the vector bucket policy of this KnowledgeBase (see VectorBucketPolicyInSync); check it, the documents bucket's policy, its KMS key, and the knowledge base's service role"
	}
	if len(r.missing) > 0 {
		msg := fmt.Sprintf("vector bucket %s policy does not allow %s %s", r.bucket, r.principal, strings.Join(r.missing, ", "))
		if r.observe {
			return msg + " (driftPolicy Observe: kbwarden does not repair it)"
		}
		return msg
	}
	if r.repairedSince(job.StartedAt) {
		if len(r.replacedMissing) > 0 {
			return fmt.Sprintf("vector bucket %s policy did not allow %s %s when the job ran; kbwarden repaired it at %s",
				r.bucket, r.principal, strings.Join(r.replacedMissing, ", "), stamp(r.lastRepair))
		}
		return fmt.Sprintf("kbwarden repaired the policy of vector bucket %s at %s, after the job started", r.bucket, stamp(r.lastRepair))
	}
	return fmt.Sprintf("the policy of vector bucket %s allows %s every declared action, so the denial comes from elsewhere: check the documents bucket's policy, its KMS key, and the knowledge base's service role", r.bucket, r.principal)
}

// repairReady reports whether the last job failed on an access error whose
// cause was repaired since it started: by kbwarden (the report's last
// repair) or by hand (VectorBucketPolicyInSync turned True since).
func repairReady(j *kbv1.IngestionJob, r *policyReport) bool {
	if r == nil || j == nil || j.Status != jobFailed || !isAccessError(j.FailureReasons) {
		return false
	}
	return r.fixedSince(j.StartedAt)
}

// notBefore reports whether b (a time kept in status) may be at or after
// a: a repair stored as 12:00:05 counts as after a job that started at
// 12:00:05.3.
func notBefore(a, b *metav1.Time) bool {
	return !latestInstant(b).Before(a.Time)
}
