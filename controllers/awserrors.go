package controllers

import (
	"errors"
	"fmt"
	"time"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/awsclient"
	"github.com/kbwarden/kbwarden/internal/awserr"
	"github.com/kbwarden/kbwarden/internal/bucketpolicy"
)

// classifyAWS turns an AWS error into a typed reconcile error, once, by its
// kind: access denied names the permission kbwarden's role lacks and is
// re-checked every interval (someone must change IAM); throttling and
// server errors are retried with backoff; invalid requests stall.
func classifyAWS(err error, doing string, interval time.Duration) error {
	switch awserr.Classify(err) {
	case awserr.AccessDenied:
		perm := awserr.MissingPermission(err)
		return &StallingError{Reason: kbv1.AccessDeniedReason, RetryAfter: interval,
			Err: fmt.Errorf("%s: kbwarden's own role was denied %s (add %s to the controller's IAM policy, see config/iam): %w", doing, perm, perm, errors.New(awserr.Describe(err)))}
	case awserr.BadCredentials:
		// Looked at again soon: fresh assumed-role credentials can be
		// refused for a moment (IAM is eventually consistent), and the
		// credentials cache renews expired ones.
		return &StallingError{Reason: kbv1.AccessDeniedReason, RetryAfter: min(interval, badCredentialsRetry),
			Err: fmt.Errorf("%s: AWS rejected kbwarden's credentials (check IRSA or Pod Identity for the manager's service account, and the node's clock): %w", doing, errors.New(awserr.Describe(err)))}
	case awserr.Throttled:
		return &TransientError{Reason: kbv1.ThrottledReason, Err: fmt.Errorf("%s: AWS throttled the call, retrying with backoff: %w", doing, err)}
	case awserr.LimitExceeded:
		// Re-checked every interval: someone may remove what fills the limit.
		return &StallingError{Reason: kbv1.LimitExceededReason, RetryAfter: interval, Err: fmt.Errorf("%s: an AWS limit was reached: %w", doing, errors.New(awserr.Describe(err)))}
	case awserr.Invalid:
		// Re-checked every interval: the cause may be outside the spec (a
		// role principal created later, a knowledge base not yet ACTIVE).
		return &StallingError{Reason: kbv1.InvalidSpecReason, RetryAfter: interval, Err: fmt.Errorf("%s: AWS rejected the request: %w", doing, errors.New(awserr.Describe(err)))}
	default:
		return &TransientError{Reason: kbv1.AWSErrorReason, Err: fmt.Errorf("%s: %w", doing, err)}
	}
}

// badCredentialsRetry is how soon a call AWS refused the credentials of is
// tried again.
const badCredentialsRetry = 10 * time.Second

// classifyBucketErr is classifyAWS for calls on a named bucket, where a
// missing bucket stalls until the spec changes.
func classifyBucketErr(err error, bucket string, obj *kbv1.KnowledgeBase) error {
	// The adapters mark a missing bucket; callers that use the S3 client
	// directly (the ACL sync) pass S3's own NoSuchBucket.
	if errors.Is(err, awsclient.ErrBucketNotFound) || awserr.Code(err) == "NoSuchBucket" {
		// Looked at again every interval: the bucket may be created later,
		// and that changes no spec that would wake kbwarden.
		return &StallingError{Reason: kbv1.BucketNotFoundReason, RetryAfter: obj.GetInterval(),
			Err: fmt.Errorf("bucket %s does not exist (in region %s); create it or fix the spec", bucket, regionOf(obj))}
	}
	service, op := awserr.Operation(err)
	return classifyAWS(err, fmt.Sprintf("%s %s on bucket %s", service, op, bucket), obj.GetInterval())
}

// policyError turns a bucketpolicy error into a condition reason. The live
// policy is never overwritten in these cases, and they are re-checked every
// interval since someone may fix the policy by hand.
func policyError(err error, bucket string, obj *kbv1.KnowledgeBase) error {
	var malformed *bucketpolicy.MalformedPolicyError
	var dup *bucketpolicy.DuplicateStatementError
	var tooLarge *bucketpolicy.PolicyTooLargeError
	var invalid *bucketpolicy.InvalidDesiredError
	var notOwned *bucketpolicy.StatementNotOwnedError
	switch {
	case errors.As(err, &notOwned):
		return &StallingError{Reason: kbv1.StatementNotOwnedReason, RetryAfter: obj.GetInterval(),
			Err: fmt.Errorf("kbwarden writes nothing to the policy of bucket %s until one of the two statements is renamed (spec.vectorBucket.policy.statementId, or the live statement's Sid): %w", bucket, err)}
	case errors.As(err, &malformed), errors.As(err, &dup):
		return &StallingError{Reason: kbv1.MalformedPolicyReason, RetryAfter: obj.GetInterval(),
			Err: fmt.Errorf("the live policy of bucket %s cannot be merged, so kbwarden leaves it untouched: %w", bucket, err)}
	case errors.As(err, &tooLarge):
		return &StallingError{Reason: kbv1.PolicyTooLargeReason, RetryAfter: obj.GetInterval(),
			Err: fmt.Errorf("adding kbwarden's statement to the policy of bucket %s would exceed the size AWS accepts, so nothing was written: %w", bucket, err)}
	case errors.As(err, &invalid):
		return stalling(kbv1.InvalidSpecReason, "spec.vectorBucket.policy: %w", err)
	}
	return fmt.Errorf("merging the policy of bucket %s: %w", bucket, err)
}

func regionOf(obj *kbv1.KnowledgeBase) string {
	if obj.Spec.Region == "" {
		return "the controller's default region"
	}
	return obj.Spec.Region
}
