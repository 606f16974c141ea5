package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AccountBindingSpec grants the namespaces it selects one AWS account, the
// identity kbwarden acts with there, and the regions, buckets and knowledge
// bases they may name. It is cluster-scoped and owned by the platform team:
// nothing a KnowledgeBase says can widen it.
// +kubebuilder:validation:XValidation:rule="!has(self.roleArn) || self.roleArn.contains(':iam::' + self.accountId + ':role/')",message="roleArn must be a role in accountId's account: kbwarden acts in exactly one account per binding"
type AccountBindingSpec struct {
	// namespaceSelector selects the namespaces whose KnowledgeBases may use
	// this binding, by their labels (for example matchLabels
	// kbwarden.io/tenant: team-a). An empty selector ({}) selects every
	// namespace, so grant that only on a cluster one team owns.
	// +required
	NamespaceSelector metav1.LabelSelector `json:"namespaceSelector"`

	// accountId is the 12-digit AWS account the selected namespaces act in.
	// A KnowledgeBase's spec.accountId must equal it, and sts:GetCallerIdentity
	// of the binding's credentials must return it, or the binding is not Ready.
	// +required
	// +kubebuilder:validation:MinLength=12
	// +kubebuilder:validation:MaxLength=12
	// +kubebuilder:validation:Pattern=`^[0-9]{12}$`
	AccountID string `json:"accountId"`

	// roleArn is the IAM role kbwarden assumes (sts:AssumeRole, from its own
	// credentials: IRSA or EKS Pod Identity) to act for these namespaces. It
	// must be in accountId's account. Empty means kbwarden's own identity,
	// which then must land in accountId.
	// +optional
	// +kubebuilder:validation:MaxLength=640
	// +kubebuilder:validation:Pattern=`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$`
	RoleARN string `json:"roleArn,omitempty"`

	// externalId is passed to sts:AssumeRole when set, for a role whose trust
	// policy requires sts:ExternalId (a role in another organisation's
	// account, against the confused deputy problem). It is not a secret.
	// +optional
	// +kubebuilder:validation:MinLength=2
	// +kubebuilder:validation:MaxLength=1224
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9+=,.@:/_-]+$`
	ExternalID string `json:"externalId,omitempty"`

	// regions are the AWS regions the selected namespaces may name, for
	// example us-east-1. Empty means any region.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:Pattern=`^[a-z]{2}(-[a-z]+)+-[0-9]+$`
	Regions []string `json:"regions,omitempty"`

	// buckets are shell patterns (* and ? wildcards, as path.Match; no
	// character classes) of the vector and documents buckets the selected
	// namespaces may name, for example team-a-*. A pattern may also name a
	// key prefix after a slash (acme-docs/team-a/*) for a documents bucket
	// several teams share: a KnowledgeBase may then only list, read and write
	// keys under that prefix (its documents.prefix, metadataPrefix and
	// globalFile must fall inside it), and may not manage anything that
	// belongs to the whole bucket (its policy, its versioning).
	// +required
	// +listType=set
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=1088
	// +kubebuilder:validation:items:XValidation:rule="self.matches('^[a-z0-9.*?-]{1,63}(/.*)?$')",message="a bucket pattern is a bucket name of a-z, 0-9, '.', '-' with * or ? wildcards, optionally followed by /key-prefix-pattern"
	// +kubebuilder:validation:items:XValidation:rule="!self.contains('[') && !self.contains(']') && !self.contains('\\\\')",message="bucket patterns take only * and ? wildcards: '[', ']' and '\\' are not allowed"
	// +kubebuilder:validation:items:XValidation:rule="!self.endsWith('/')",message="a bucket pattern ending in '/' names a single key: write bucket/prefix/* for the keys under a prefix, or the bucket alone for the whole bucket"
	Buckets []string `json:"buckets"`

	// knowledgeBaseIds are shell patterns (* and ?) of the knowledge base
	// IDs the selected namespaces may name: Bedrock's (spec.bedrock, 10
	// letters and digits) and Amazon Quick's (spec.quick, up to 1,024 of
	// 0-9 a-z A-Z - _ = . +). Empty means any.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=1024
	// +kubebuilder:validation:items:Pattern=`^[0-9A-Za-z_=.+*?-]+$`
	KnowledgeBaseIDs []string `json:"knowledgeBaseIds,omitempty"`
}

// AccountBindingStatus is what kbwarden verified of the binding.
type AccountBindingStatus struct {
	// observedGeneration is the generation last verified; -1 before the
	// first check, so kstatus reads a new binding as in progress.
	// +optional
	// +kubebuilder:default=-1
	ObservedGeneration int64 `json:"observedGeneration"`

	// conditions: Ready (the role was assumed and its credentials land in
	// accountId), and Reconciling and Stalled (kstatus), present only while
	// true.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// identity is the ARN sts:GetCallerIdentity returned for the binding's
	// credentials (an assumed-role session ARN when roleArn is set).
	// +optional
	Identity string `json:"identity,omitempty"`
}

// AccountBinding grants the namespaces it selects an AWS account, a role to
// act as there, and the regions, buckets and knowledge bases they may use.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=ab,categories={kbwarden,aws}
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Account",type=string,JSONPath=`.spec.accountId`
// +kubebuilder:printcolumn:name="Role",type=string,JSONPath=`.spec.roleArn`
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type AccountBinding struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is what the platform team grants.
	// +required
	Spec AccountBindingSpec `json:"spec"`

	// status is what kbwarden verified.
	// +optional
	// +kubebuilder:default={"observedGeneration":-1}
	Status AccountBindingStatus `json:"status,omitempty"`
}

// AccountBindingList is a list of AccountBindings.
// +kubebuilder:object:root=true
type AccountBindingList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []AccountBinding `json:"items"`
}

// GetConditions returns the status conditions.
func (in *AccountBinding) GetConditions() []metav1.Condition { return in.Status.Conditions }

// SetConditions replaces the status conditions.
func (in *AccountBinding) SetConditions(c []metav1.Condition) { in.Status.Conditions = c }

func init() {
	SchemeBuilder.Register(&AccountBinding{}, &AccountBindingList{})
}
