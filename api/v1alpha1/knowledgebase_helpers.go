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

// Consumer names the service that ingests a KnowledgeBase's documents.
type Consumer string

const (
	// ConsumerBedrock is an Amazon Bedrock knowledge base (spec.bedrock).
	ConsumerBedrock Consumer = "Bedrock"
	// ConsumerQuick is an Amazon Quick knowledge base (spec.quick).
	ConsumerQuick Consumer = "Quick"
)

// Consumer returns which knowledge base the spec names; Bedrock unless
// spec.quick is set (the API server admits exactly one of the two).
func (in *KnowledgeBase) Consumer() Consumer {
	if in.Spec.Quick != nil {
		return ConsumerQuick
	}
	return ConsumerBedrock
}

// KnowledgeBaseID returns the consumer's knowledge base ID, "" when the
// spec names none.
func (in *KnowledgeBase) KnowledgeBaseID() string {
	switch {
	case in.Spec.Quick != nil:
		return in.Spec.Quick.KnowledgeBaseID
	case in.Spec.Bedrock != nil:
		return in.Spec.Bedrock.KnowledgeBaseID
	}
	return ""
}

// DataSourceID returns the Bedrock data source ID, "" for spec.quick.
func (in *KnowledgeBase) DataSourceID() string {
	if in.Spec.Bedrock != nil {
		return in.Spec.Bedrock.DataSourceID
	}
	return ""
}

// HasVectorBucket reports whether spec.vectorBucket is set: always with
// spec.bedrock, usually not with spec.quick.
func (in *KnowledgeBase) HasVectorBucket() bool { return in.Spec.VectorBucket.Name != "" }

// RefreshSchedule returns the declared refresh schedule of a spec.quick
// knowledge base; interval Unmanaged when none is declared.
func (in *KnowledgeBase) RefreshSchedule() RefreshScheduleSpec {
	if s := in.Spec.Ingestion; s != nil && s.Schedule != nil {
		return *s.Schedule
	}
	return RefreshScheduleSpec{Interval: RefreshUnmanaged}
}
