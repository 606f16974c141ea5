package v1alpha1

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Default values that the CRD schema cannot express because they depend on
// other fields or on the controller.
const (
	// DefaultStatementID is the Sid of kbwarden's bucket policy statement.
	DefaultStatementID = "BedrockKnowledgeBaseAccess"
	// DefaultServicePrincipal is Bedrock's service principal.
	DefaultServicePrincipal = "bedrock.amazonaws.com"
	// DefaultInterval is the drift check period.
	DefaultInterval = 5 * time.Minute
	// DefaultIngestionInterval is the longest time between successful jobs.
	DefaultIngestionInterval = 24 * time.Hour
	// DefaultDebounce is how long documents must stay unchanged before a job.
	DefaultDebounce = time.Minute
)

// GetConditions returns the status conditions.
func (in *KnowledgeBase) GetConditions() []metav1.Condition { return in.Status.Conditions }

// SetConditions replaces the status conditions.
func (in *KnowledgeBase) SetConditions(c []metav1.Condition) { in.Status.Conditions = c }

// GetInterval returns the drift check period, defaulted.
func (in *KnowledgeBase) GetInterval() time.Duration {
	if in.Spec.Interval.Duration <= 0 {
		return DefaultInterval
	}
	return in.Spec.Interval.Duration
}

// DriftPolicy returns the drift policy, defaulted.
func (in *KnowledgeBase) DriftPolicy() DriftPolicy {
	if in.Spec.DriftPolicy == "" {
		return DriftEnforce
	}
	return in.Spec.DriftPolicy
}

// DeletionPolicy returns the deletion policy, defaulted.
func (in *KnowledgeBase) DeletionPolicy() DeletionPolicy {
	if in.Spec.DeletionPolicy == "" {
		return DeletionRetain
	}
	return in.Spec.DeletionPolicy
}

// AccessControlMode returns the ACL mode, None when unset.
func (in *KnowledgeBase) AccessControlMode() AccessControlMode {
	if in.Spec.AccessControl == nil || in.Spec.AccessControl.Mode == "" {
		return AccessControlNone
	}
	return in.Spec.AccessControl.Mode
}

// RequestedAt returns the manual trigger token, and whether it is not yet handled.
func (in *KnowledgeBase) RequestedAt() (token string, pending bool) {
	token = in.GetAnnotations()[RequestedAtAnnotation]
	return token, token != "" && token != in.Status.LastHandledRequestedAt
}
