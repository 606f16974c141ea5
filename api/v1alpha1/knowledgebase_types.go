package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// VectorBucketType says which kind of bucket holds the knowledge base's vectors.
// +kubebuilder:validation:Enum=S3;S3Vectors
type VectorBucketType string

const (
	// VectorBucketS3 is a general purpose S3 bucket.
	VectorBucketS3 VectorBucketType = "S3"
	// VectorBucketS3Vectors is an Amazon S3 Vectors vector bucket.
	VectorBucketS3Vectors VectorBucketType = "S3Vectors"
)

// VersioningMode is the versioning state kbwarden keeps a bucket in.
// +kubebuilder:validation:Enum=Enabled;Suspended;Unmanaged
type VersioningMode string

const (
	// VersioningEnabled keeps versioning on.
	VersioningEnabled VersioningMode = "Enabled"
	// VersioningSuspended keeps versioning suspended; kbwarden never turns it on.
	VersioningSuspended VersioningMode = "Suspended"
	// VersioningUnmanaged leaves versioning alone; kbwarden only reports it.
	VersioningUnmanaged VersioningMode = "Unmanaged"
)

// SourceArnScope says which knowledge bases the policy statement's
// aws:SourceArn condition admits.
// +kubebuilder:validation:Enum=KnowledgeBase;Account
type SourceArnScope string

const (
	// SourceArnKnowledgeBase admits only this knowledge base's ARN (the
	// runbook's pitfall 3: limit access to a specific knowledge base).
	SourceArnKnowledgeBase SourceArnScope = "KnowledgeBase"
	// SourceArnAccount admits every knowledge base of the account in the
	// region (knowledge-base/*), as the runbook's corrected policy does.
	SourceArnAccount SourceArnScope = "Account"
)

// AccessControlMode says how document-level ACLs are written.
// +kubebuilder:validation:Enum=None;Global;PerDocument
type AccessControlMode string

const (
	// AccessControlNone writes no ACL file.
	AccessControlNone AccessControlMode = "None"
	// AccessControlGlobal writes one global ACL file mapping prefixes to entries.
	AccessControlGlobal AccessControlMode = "Global"
	// AccessControlPerDocument writes one .metadata.json sidecar per document.
	AccessControlPerDocument AccessControlMode = "PerDocument"
)

// ACLFormat is the file format of the ACL files.
// +kubebuilder:validation:Enum=Quick;BedrockManaged
type ACLFormat string

const (
	// ACLFormatQuick is the Amazon Quick and Q Business format: users and
	// groups, sidecar field AccessControlList.
	ACLFormatQuick ACLFormat = "Quick"
	// ACLFormatBedrockManaged is the Bedrock managed knowledge base format:
	// users only, sidecar field accessControlList beside metadataAttributes.
	ACLFormatBedrockManaged ACLFormat = "BedrockManaged"
)

// DriftPolicy says what kbwarden does when the live state differs from the spec.
// +kubebuilder:validation:Enum=Enforce;Observe
type DriftPolicy string

const (
	// DriftEnforce repairs drift and reports the repair.
	DriftEnforce DriftPolicy = "Enforce"
	// DriftObserve reports drift and writes nothing.
	DriftObserve DriftPolicy = "Observe"
)

// DeletionPolicy says what happens in AWS when the KnowledgeBase is deleted.
// +kubebuilder:validation:Enum=Retain;Delete
type DeletionPolicy string

const (
	// DeletionRetain leaves everything in AWS as it is.
	DeletionRetain DeletionPolicy = "Retain"
	// DeletionDelete removes what kbwarden wrote (its policy statement and the
	// ACL files it wrote), never documents or vectors.
	DeletionDelete DeletionPolicy = "Delete"
)

// KnowledgeBaseSpec declares the AWS infrastructure behind one knowledge
// base: an Amazon Bedrock knowledge base and its S3 data source
// (spec.bedrock), or an Amazon Quick knowledge base over S3 (spec.quick).
// +kubebuilder:validation:XValidation:rule="has(self.bedrock) || has(self.quick)",message="name the knowledge base: set spec.bedrock {knowledgeBaseId, dataSourceId} for an Amazon Bedrock knowledge base, or spec.quick {knowledgeBaseId} for an Amazon Quick knowledge base"
// +kubebuilder:validation:XValidation:rule="!(has(self.bedrock) && has(self.quick))",message="spec.bedrock and spec.quick are both set: a KnowledgeBase serves exactly one knowledge base; keep the one that ingests spec.documents"
// +kubebuilder:validation:XValidation:rule="!has(self.bedrock) || has(self.vectorBucket)",message="spec.vectorBucket is required with spec.bedrock: name the bucket Bedrock writes the knowledge base's vectors to"
// +kubebuilder:validation:XValidation:rule="!has(self.quick) || !has(self.vectorBucket) || (has(self.vectorBucket.policy) && ((has(self.vectorBucket.policy.principal) && has(self.vectorBucket.policy.principal.roleArn)) || self.vectorBucket.policy.sourceArnScope == 'Account'))",message="with spec.quick, a vectorBucket's policy needs a principal.roleArn or sourceArnScope Account: its aws:SourceArn would otherwise name a Bedrock knowledge base with the Quick knowledge base's ID"
// +kubebuilder:validation:XValidation:rule="!has(self.quick) || !has(self.accessControl) || !has(self.accessControl.format) || self.accessControl.format == 'Quick'",message="Amazon Quick reads only the Quick ACL format: with spec.quick, accessControl.format must be Quick (the default)"
// +kubebuilder:validation:XValidation:rule="!has(self.bedrock) || !has(self.ingestion) || !has(self.ingestion.schedule)",message="ingestion.schedule is the refresh schedule of an Amazon Quick knowledge base: with spec.bedrock kbwarden starts the ingestion jobs itself, every ingestion.interval and on changes"
// +kubebuilder:validation:XValidation:rule="!has(self.vectorBucket) || !has(self.vectorBucket.policy) || !has(self.vectorBucket.policy.principal) || !has(self.vectorBucket.policy.principal.roleArn) || (has(self.accountId) && ['aws', 'aws-cn', 'aws-us-gov'].exists(p, self.vectorBucket.policy.principal.roleArn.startsWith('arn:' + p + ':iam::' + self.accountId + ':role/')))",message="a principal.roleArn must be a role in spec.accountId's account, and spec.accountId must be set with it: kbwarden grants no other account access to the vector bucket"
// +kubebuilder:validation:XValidation:rule="!(has(oldSelf.bedrock) || has(oldSelf.quick)) || has(oldSelf.bedrock) == has(self.bedrock)",message="a KnowledgeBase cannot move between spec.bedrock and spec.quick: its status and ACL files belong to the knowledge base it was created for; create a new KnowledgeBase"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.accessControl) || !has(oldSelf.accessControl.mode) || oldSelf.accessControl.mode == 'None' || (has(self.accessControl) && has(self.accessControl.mode) && self.accessControl.mode != 'None')",message="accessControl.mode cannot go back to None: enabling document-level ACLs on a knowledge base is irreversible; create a new knowledge base to remove them"
// +kubebuilder:validation:XValidation:rule="!has(self.accessControl) || !has(self.accessControl.mode) || self.accessControl.mode == 'None' || (has(self.documents.prefix) && size(self.documents.prefix) > 0) || has(self.accessControl.bookkeepingBucket)",message="accessControl.bookkeepingBucket is required when documents.prefix is empty: the whole documents bucket is then the data source, and kbwarden's manifest anywhere in it would be ingested as a document"
// +kubebuilder:validation:XValidation:rule="!has(self.accessControl) || !has(self.accessControl.globalFile) || (has(self.documents.prefix) && size(self.documents.prefix) > 0 && !self.accessControl.globalFile.startsWith(self.documents.prefix))",message="accessControl.globalFile must lie outside documents.prefix (and documents.prefix must then be set): a file inside the data source would be ingested as a document, and kbwarden never writes over a document"
type KnowledgeBaseSpec struct {
	// bedrock names an Amazon Bedrock knowledge base and its S3 data
	// source: kbwarden keeps the vector bucket's policy statement, starts
	// the data source's ingestion jobs (StartIngestionJob) and follows
	// them. Exactly one of bedrock and quick is set.
	// +optional
	Bedrock *BedrockSpec `json:"bedrock,omitempty"`

	// quick names an Amazon Quick knowledge base over S3: kbwarden keeps
	// its ACL files and refresh schedule (ingestion.schedule) and follows
	// its ingestions. Quick has no API that starts an ingestion, so an ACL
	// change takes effect at the knowledge base's next scheduled refresh,
	// which status.conditions say. Exactly one of bedrock and quick is set.
	// +optional
	Quick *QuickSpec `json:"quick,omitempty"`

	// accountBinding names the cluster-scoped AccountBinding that grants
	// this namespace its AWS account, role, regions, buckets and knowledge
	// bases. It may be left out when exactly one Ready AccountBinding
	// selects the namespace. Nothing in a KnowledgeBase can widen what the
	// binding grants.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	AccountBinding string `json:"accountBinding,omitempty"`

	// region is the AWS region of the knowledge base and its buckets.
	// Defaults to the controller's region (its --aws-region flag or AWS_REGION).
	// +optional
	// +kubebuilder:validation:Pattern=`^[a-z]{2}(-[a-z]+)+-[0-9]+$`
	Region string `json:"region,omitempty"`

	// accountId is the 12-digit AWS account that owns the knowledge base.
	// Under tenancy it must equal the AccountBinding's account, and defaults
	// to it; otherwise it defaults to the account of the controller's
	// credentials (sts:GetCallerIdentity).
	// +optional
	// +kubebuilder:validation:Pattern=`^[0-9]{12}$`
	AccountID string `json:"accountId,omitempty"`

	// vectorBucket is the bucket Bedrock writes embeddings to; kbwarden keeps
	// its policy statement and versioning as declared. Required with
	// bedrock. An Amazon Quick knowledge base keeps its index in Quick, so
	// with quick it is usually left out, and then kbwarden manages no bucket
	// policy and no vector bucket versioning.
	// +optional
	VectorBucket VectorBucketSpec `json:"vectorBucket,omitzero"`

	// documents is the data source bucket holding the documents to ingest.
	// +required
	Documents DocumentsSpec `json:"documents"`

	// accessControl declares document-level ACLs, compiled into a global ACL
	// file or per-document sidecars.
	// +optional
	AccessControl *AccessControlSpec `json:"accessControl,omitempty"`

	// ingestion says when kbwarden starts ingestion (sync) jobs.
	// +optional
	Ingestion *IngestionSpec `json:"ingestion,omitempty"`

	// driftPolicy is Enforce (repair drift, the default) or Observe (report
	// drift in conditions and events, write nothing).
	// +optional
	// +kubebuilder:default=Enforce
	DriftPolicy DriftPolicy `json:"driftPolicy,omitempty"`

	// deletionPolicy is Retain (the default: leave AWS as it is) or Delete
	// (remove kbwarden's policy statement and the ACL files it wrote; never
	// documents or vectors).
	// +optional
	// +kubebuilder:default=Retain
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// interval is how often kbwarden looks for drift, for example 5m or 1h.
	// A little jitter is added so that many KnowledgeBases do not call AWS
	// at the same moment.
	// +optional
	// +kubebuilder:default="5m"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	Interval metav1.Duration `json:"interval,omitempty"`

	// suspend stops all reconciliation (no AWS call, no write) while true.
	// +optional
	Suspend bool `json:"suspend,omitempty"`
}

// BedrockSpec names an Amazon Bedrock knowledge base and its S3 data source.
type BedrockSpec struct {
	// knowledgeBaseId is the ID Bedrock gave the knowledge base (aws
	// bedrock-agent list-knowledge-bases), 10 letters and digits.
	// +required
	// +kubebuilder:validation:Pattern=`^[0-9A-Za-z]{10}$`
	KnowledgeBaseID string `json:"knowledgeBaseId"`

	// dataSourceId is the ID of the knowledge base's S3 data source (aws
	// bedrock-agent list-data-sources), 10 letters and digits.
	// +required
	// +kubebuilder:validation:Pattern=`^[0-9A-Za-z]{10}$`
	DataSourceID string `json:"dataSourceId"`
}

// QuickSpec names an Amazon Quick knowledge base over S3.
type QuickSpec struct {
	// knowledgeBaseId is the ID of the Quick knowledge base (aws quicksight
	// list-knowledge-bases --aws-account-id ACCOUNT), 1 to 1,024 of
	// 0-9 a-z A-Z - _ = . +. Its documents are spec.documents.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^[0-9A-Za-z_=.+-]+$`
	KnowledgeBaseID string `json:"knowledgeBaseId"`
}

// VectorBucketSpec declares the vector bucket.
// +kubebuilder:validation:XValidation:rule="self.type == 'S3' || !has(self.versioning)",message="versioning cannot be set on an S3Vectors bucket: S3 Vectors buckets have no versioning"
// +kubebuilder:validation:XValidation:rule="self.type == 'S3' || self.name.matches('^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$')",message="an S3Vectors bucket name has 3 to 63 lower-case letters, digits and hyphens, and starts and ends with a letter or digit"
// +kubebuilder:validation:XValidation:rule="!has(self.policy) || !has(self.policy.actions) || (self.type == 'S3' ? self.policy.actions.all(a, a.startsWith('s3:')) : self.policy.actions.all(a, a.startsWith('s3vectors:')))",message="policy.actions must all be s3: actions for an S3 bucket and s3vectors: actions for an S3Vectors bucket"
type VectorBucketSpec struct {
	// name is the bucket name.
	// +required
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9][a-z0-9.-]*[a-z0-9]$`
	// +kubebuilder:validation:XValidation:rule="!self.contains('..') && !self.matches('^[0-9]+\\\\.[0-9]+\\\\.[0-9]+\\\\.[0-9]+$') && !self.startsWith('xn--') && !self.endsWith('-s3alias') && !self.endsWith('--ol-s3')",message="not a valid S3 bucket name: no '..', not an IP address, no xn-- prefix, no -s3alias or --ol-s3 suffix"
	Name string `json:"name"`

	// type is S3 (a general purpose bucket, the default) or S3Vectors (an
	// Amazon S3 Vectors vector bucket).
	// +optional
	// +kubebuilder:default=S3
	Type VectorBucketType `json:"type,omitempty"`

	// policy declares the one bucket policy statement kbwarden owns. Every
	// other statement of the bucket policy is kept exactly as it is.
	// +optional
	Policy *BucketPolicySpec `json:"policy,omitempty"`

	// versioning is Enabled, Suspended, or Unmanaged (the default when unset:
	// kbwarden reports it and never changes it). S3 buckets only.
	// +optional
	Versioning VersioningMode `json:"versioning,omitempty"`
}

// BucketPolicySpec declares kbwarden's statement in the vector bucket policy.
type BucketPolicySpec struct {
	// statementId is the Sid of the statement kbwarden owns.
	// +optional
	// +kubebuilder:default=BedrockKnowledgeBaseAccess
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]+$`
	// +kubebuilder:validation:MaxLength=128
	StatementID string `json:"statementId,omitempty"`

	// principal is who the statement allows. Defaults to the service
	// principal bedrock.amazonaws.com.
	// +optional
	Principal *PolicyPrincipal `json:"principal,omitempty"`

	// actions are the allowed actions, only from the Bedrock knowledge base
	// actions of the bucket type (no wildcards): s3:GetObject, s3:PutObject,
	// s3:DeleteObject and s3:ListBucket for an S3 bucket (all four by
	// default), and s3vectors:PutVectors, GetVectors, DeleteVectors,
	// QueryVectors and GetIndex for an S3Vectors bucket (all five by default).
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=9
	Actions []PolicyAction `json:"actions,omitempty"`

	// sourceArnScope is what the aws:SourceArn condition admits:
	// KnowledgeBase (the default: this knowledge base's ARN only) or Account
	// (every knowledge base of the account in the region, knowledge-base/*,
	// as the runbook's corrected policy has it).
	// +optional
	// +kubebuilder:default=KnowledgeBase
	SourceArnScope SourceArnScope `json:"sourceArnScope,omitempty"`
}

// PolicyAction is one of the actions a Bedrock knowledge base needs on its
// vector bucket; the list is closed so that a KnowledgeBase cannot make
// kbwarden grant anything else.
// +kubebuilder:validation:Enum="s3:GetObject";"s3:PutObject";"s3:DeleteObject";"s3:ListBucket";"s3vectors:PutVectors";"s3vectors:GetVectors";"s3vectors:DeleteVectors";"s3vectors:QueryVectors";"s3vectors:GetIndex"
type PolicyAction string

// PolicyPrincipal is exactly one of a service principal or an IAM role ARN.
// +kubebuilder:validation:XValidation:rule="(has(self.service) ? 1 : 0) + (has(self.roleArn) ? 1 : 0) == 1",message="principal takes exactly one of service or roleArn"
type PolicyPrincipal struct {
	// service is the service principal; only bedrock.amazonaws.com, the
	// one a knowledge base acts as.
	// +optional
	// +kubebuilder:validation:Enum="bedrock.amazonaws.com"
	Service string `json:"service,omitempty"`

	// roleArn is the ARN of the knowledge base's service role; under
	// tenancy only a role in the AccountBinding's account.
	// +optional
	// +kubebuilder:validation:Pattern=`^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$`
	// +kubebuilder:validation:MaxLength=2048
	RoleARN string `json:"roleArn,omitempty"`
}

// DocumentsSpec declares the data source bucket.
type DocumentsSpec struct {
	// bucket is the name of the bucket holding the documents.
	// +required
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9][a-z0-9.-]*[a-z0-9]$`
	// +kubebuilder:validation:XValidation:rule="!self.contains('..') && !self.matches('^[0-9]+\\\\.[0-9]+\\\\.[0-9]+\\\\.[0-9]+$') && !self.startsWith('xn--') && !self.endsWith('-s3alias') && !self.endsWith('--ol-s3')",message="not a valid S3 bucket name: no '..', not an IP address, no xn-- prefix, no -s3alias or --ol-s3 suffix"
	Bucket string `json:"bucket"`

	// prefix limits the documents to keys under it (the data source's
	// inclusion prefix), for example docs/. Empty means the whole bucket.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Prefix string `json:"prefix,omitempty"`

	// versioning is Enabled, Suspended, or Unmanaged (the default when unset).
	// The ACL guide advises Enabled where metadata lives, so that ACL edits
	// are auditable and reversible.
	// +optional
	Versioning VersioningMode `json:"versioning,omitempty"`
}

// AccessControlSpec declares document-level ACLs.
// +kubebuilder:validation:XValidation:rule="self.mode != 'Global' || has(self.globalFile)",message="globalFile is required when mode is Global"
// +kubebuilder:validation:XValidation:rule="!has(self.format) || self.format != 'BedrockManaged' || !has(self.rules) || self.rules.all(r, (!has(r.allow) || r.allow.all(e, has(e.user))) && (!has(r.deny) || r.deny.all(e, has(e.user))))",message="format BedrockManaged accepts only user entries; remove the group entries or use format Quick"
type AccessControlSpec struct {
	// mode is None (no ACL files, the default), Global (one global ACL file)
	// or PerDocument (one .metadata.json sidecar per document). Once it
	// leaves None it can never go back: enabling ACLs is irreversible.
	// +optional
	// +kubebuilder:default=None
	Mode AccessControlMode `json:"mode,omitempty"`

	// format is the file format: Quick (the default; Amazon Quick and Q
	// Business, users and groups; the only format spec.quick accepts) or
	// BedrockManaged (Bedrock managed knowledge bases, users only).
	// +optional
	// +kubebuilder:default=Quick
	Format ACLFormat `json:"format,omitempty"`

	// globalFile is the key of the global ACL file in the documents bucket,
	// for example acl/acl.json. Required when mode is Global.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	GlobalFile string `json:"globalFile,omitempty"`

	// metadataPrefix puts sidecars in a parallel tree under this prefix
	// instead of next to their documents (metadata/ puts the sidecar of
	// docs/a.pdf at metadata/docs/a.pdf.metadata.json).
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	MetadataPrefix string `json:"metadataPrefix,omitempty"`

	// bookkeepingBucket is where kbwarden keeps its manifest of the ACL
	// files it wrote (under .kbwarden/<namespace>.<name>/). Unset, the
	// manifest lives in the documents bucket, outside documents.prefix.
	// Required when documents.prefix is empty: the whole documents bucket is
	// then the data source, and Bedrock and Quick ingest every object under
	// it, so a manifest anywhere in it would be ingested as a document. It
	// must be granted like the documents bucket (AccountBinding buckets or
	// --allowed-buckets), and must not be another data source's bucket.
	// +optional
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9][a-z0-9.-]*[a-z0-9]$`
	BookkeepingBucket string `json:"bookkeepingBucket,omitempty"`

	// rules map key prefixes to the identities allowed or denied. A document
	// gets the entries of every rule whose prefix it starts with. Anything no
	// rule allows is unreachable (deny by default), and deny wins over allow.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=500
	Rules []ACLRule `json:"rules,omitempty"`
}

// ACLRule grants or denies access to the documents under a key prefix.
// +kubebuilder:validation:XValidation:rule="(has(self.allow) && size(self.allow) > 0) || (has(self.deny) && size(self.deny) > 0)",message="a rule needs at least one allow or deny entry"
type ACLRule struct {
	// prefix is an object key prefix in the documents bucket, for example
	// hr/confidential/.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	Prefix string `json:"prefix"`

	// allow lists the identities that may retrieve the documents.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=100
	Allow []ACLEntry `json:"allow,omitempty"`

	// deny lists the identities that may not, whatever else allows them.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=100
	Deny []ACLEntry `json:"deny,omitempty"`
}

// ACLEntry is exactly one of a user (an email address) or a group name.
// +kubebuilder:validation:XValidation:rule="(has(self.user) ? 1 : 0) + (has(self.group) ? 1 : 0) == 1",message="an entry takes exactly one of user or group"
type ACLEntry struct {
	// user is a user's email address; matching is case-insensitive, and
	// kbwarden writes it lower-cased.
	// +optional
	// +kubebuilder:validation:MaxLength=254
	// +kubebuilder:validation:Pattern=`^[^@\s]+@[^@\s]+\.[^@\s]+$`
	User string `json:"user,omitempty"`

	// group is a group name exactly as synchronised from the identity provider.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	Group string `json:"group,omitempty"`
}

// IngestionSpec says when ingestion jobs start. interval, onChange and
// debounce drive the jobs kbwarden starts for spec.bedrock; schedule is the
// refresh schedule of a spec.quick knowledge base, which kbwarden cannot
// start an ingestion of (Amazon Quick has no such API).
type IngestionSpec struct {
	// interval is the longest time between two successful jobs (default
	// 24h, Bedrock's daily sync). spec.bedrock only: for spec.quick the
	// refresh schedule decides.
	// +optional
	// +kubebuilder:default="24h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	Interval metav1.Duration `json:"interval,omitempty"`

	// onChange starts a job as soon as ACL files or documents change
	// (default true), so an ACL change is enforced in minutes. spec.bedrock
	// only: a Quick knowledge base applies changes at its next scheduled
	// refresh.
	// +optional
	// +kubebuilder:default=true
	OnChange *bool `json:"onChange,omitempty"`

	// debounce is how long documents must stay unchanged before a change
	// starts a job (default 1m), so a burst of uploads starts one job.
	// spec.bedrock only.
	// +optional
	// +kubebuilder:default="1m"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	Debounce metav1.Duration `json:"debounce,omitempty"`

	// schedule is the refresh schedule kbwarden keeps on the Amazon Quick
	// knowledge base (spec.quick only). Quick ingests ACL and document
	// changes only when a refresh runs, and its API cannot start one, so the
	// schedule bounds how long an ACL change waits: Hourly (accounts enabled
	// for hourly refresh) keeps the wait under an hour, Daily (the guide's
	// default) under a day. When unset, kbwarden leaves the schedule as it
	// is and only reports it.
	// +optional
	Schedule *RefreshScheduleSpec `json:"schedule,omitempty"`
}

// RefreshInterval is how often an Amazon Quick knowledge base refreshes.
// +kubebuilder:validation:Enum=Hourly;Daily;Weekly;Monthly;Unmanaged
type RefreshInterval string

const (
	// RefreshHourly refreshes every hour; only accounts Quick enabled for
	// hourly refresh may use it (others get InvalidParameterValueException,
	// which kbwarden reports).
	RefreshHourly RefreshInterval = "Hourly"
	// RefreshDaily refreshes once a day, at a time of day Quick picks.
	RefreshDaily RefreshInterval = "Daily"
	// RefreshWeekly refreshes once a week, on dayOfWeek.
	RefreshWeekly RefreshInterval = "Weekly"
	// RefreshMonthly refreshes once a month, on dayOfMonth.
	RefreshMonthly RefreshInterval = "Monthly"
	// RefreshUnmanaged leaves the knowledge base's schedule as it is;
	// kbwarden only reports it.
	RefreshUnmanaged RefreshInterval = "Unmanaged"
)

// DayOfWeek is a day of a Weekly refresh schedule.
// +kubebuilder:validation:Enum=Sunday;Monday;Tuesday;Wednesday;Thursday;Friday;Saturday
type DayOfWeek string

// RefreshScheduleSpec declares the refresh schedule of an Amazon Quick
// knowledge base: Quick allows one per knowledge base, and kbwarden creates
// it, or brings the existing one to this declaration.
// +kubebuilder:validation:XValidation:rule="self.interval == 'Weekly' ? has(self.dayOfWeek) : !has(self.dayOfWeek)",message="dayOfWeek is required with interval Weekly and not allowed with any other"
// +kubebuilder:validation:XValidation:rule="self.interval == 'Monthly' ? has(self.dayOfMonth) : !has(self.dayOfMonth)",message="dayOfMonth is required with interval Monthly and not allowed with any other"
// +kubebuilder:validation:XValidation:rule="self.interval != 'Unmanaged' || !has(self.enabled)",message="enabled cannot be set with interval Unmanaged: kbwarden leaves that schedule as it is"
type RefreshScheduleSpec struct {
	// interval is Hourly, Daily, Weekly, Monthly, or Unmanaged (leave the
	// schedule as it is and only report it). For Daily, Weekly and Monthly
	// Quick picks the time of day; no API sets it.
	// +required
	Interval RefreshInterval `json:"interval"`

	// dayOfWeek is the day a Weekly schedule refreshes.
	// +optional
	DayOfWeek DayOfWeek `json:"dayOfWeek,omitempty"`

	// dayOfMonth is the day (1 to 31) a Monthly schedule refreshes.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=31
	DayOfMonth int32 `json:"dayOfMonth,omitempty"`

	// enabled is whether the schedule runs (default true). A disabled
	// schedule runs no refresh, so ACL changes wait for a refresh started
	// in the Quick console.
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
}

// KnowledgeBaseStatus is what kbwarden observed and did.
type KnowledgeBaseStatus struct {
	// observedGeneration is the generation last reconciled; -1 before the
	// first reconcile, so kstatus reads a new object as in progress.
	// +optional
	// +kubebuilder:default=-1
	ObservedGeneration int64 `json:"observedGeneration"`

	// conditions: Ready, Reconciling and Stalled (kstatus), and one per
	// concern: VectorBucketPolicyInSync, VersioningInSync,
	// AccessControlInSync, IngestionSucceeded.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// lastHandledRequestedAt is the last kbwarden.io/requested-at token handled.
	// +optional
	LastHandledRequestedAt string `json:"lastHandledRequestedAt,omitempty"`

	// vectorBucket is what kbwarden saw of the vector bucket.
	// +optional
	VectorBucket *VectorBucketStatus `json:"vectorBucket,omitempty"`

	// versioning is what kbwarden saw of the versioning of both buckets.
	// +optional
	Versioning *VersioningStatus `json:"versioning,omitempty"`

	// documents is what kbwarden saw of the documents bucket.
	// +optional
	Documents *DocumentsStatus `json:"documents,omitempty"`

	// accessControl counts documents and ACL files.
	// +optional
	AccessControl *AccessControlStatus `json:"accessControl,omitempty"`

	// ingestion reports ingestion jobs.
	// +optional
	Ingestion *IngestionStatus `json:"ingestion,omitempty"`
}

// VectorBucketStatus is what kbwarden saw of the vector bucket.
type VectorBucketStatus struct {
	// arn of the bucket.
	// +optional
	ARN string `json:"arn,omitempty"`
	// encryption is the default encryption (for example AES256 or aws:kms),
	// or None when the bucket has no default encryption configuration.
	// Reported only, and read again once an hour (or once per interval, if
	// longer), on a spec change and on a manual trigger.
	// +optional
	Encryption string `json:"encryption,omitempty"`
	// publicAccessBlocked is true when all four public access block
	// settings are on. Read as often as encryption.
	// +optional
	PublicAccessBlocked *bool `json:"publicAccessBlocked,omitempty"`
	// policyDrift records the drifts kbwarden found in its policy statement
	// and when it last repaired one.
	// +optional
	PolicyDrift *DriftRecord `json:"policyDrift,omitempty"`
	// policyBackupConfigMap names the ConfigMap holding the last policies
	// kbwarden replaced, newest first, for rollback.
	// +optional
	PolicyBackupConfigMap string `json:"policyBackupConfigMap,omitempty"`
	// statementHash is a hash of the statement kbwarden last wrote, or
	// adopted as declared, in the bucket policy. On deletion kbwarden removes
	// its statement only while the live one still matches it: a statement
	// with kbwarden's Sid that someone changed since is theirs.
	// +optional
	StatementHash string `json:"statementHash,omitempty"`
}

// DriftRecord is what kbwarden found differing from the spec in one concern,
// and when it last repaired it.
type DriftRecord struct {
	// count counts the drifts found (a drift seen again unchanged on a later
	// pass is not counted twice).
	// +optional
	Count int64 `json:"count,omitempty"`
	// last says what differed the last time drift was found.
	// +optional
	Last string `json:"last,omitempty"`
	// lastTime is when drift was last found.
	// +optional
	LastTime *metav1.Time `json:"lastTime,omitempty"`
	// lastRepairTime is when kbwarden last repaired this concern.
	// +optional
	LastRepairTime *metav1.Time `json:"lastRepairTime,omitempty"`
}

// VersioningStatus is what kbwarden saw of the versioning of the vector
// and documents buckets.
type VersioningStatus struct {
	// vectorBucket is the vector bucket's live versioning state (Enabled,
	// Suspended, or Disabled when it was never enabled); empty for an
	// S3Vectors bucket, which has no versioning.
	// +optional
	VectorBucket string `json:"vectorBucket,omitempty"`
	// documentsBucket is the documents bucket's live versioning state; read
	// only when documents.versioning is managed.
	// +optional
	DocumentsBucket string `json:"documentsBucket,omitempty"`
	// drift records the versioning drifts found and repaired.
	// +optional
	Drift *DriftRecord `json:"drift,omitempty"`
}

// DocumentsStatus is what kbwarden saw of the documents bucket.
type DocumentsStatus struct {
	// count is the number of documents under documents.prefix (sidecars,
	// the global ACL file and kbwarden's bookkeeping are not documents).
	// +optional
	Count int64 `json:"count,omitempty"`
	// fingerprint is a hash of the documents' keys and ETags; it changes
	// when a document is added, modified or deleted.
	// +optional
	Fingerprint string `json:"fingerprint,omitempty"`
	// lastChangeTime is when kbwarden first saw the current fingerprint.
	// +optional
	LastChangeTime *metav1.Time `json:"lastChangeTime,omitempty"`
}

// AccessControlStatus counts documents and ACL files.
type AccessControlStatus struct {
	// documents is the number of documents seen under documents.prefix.
	// +optional
	Documents int64 `json:"documents"`
	// inSync is the number of ACL files already holding the right ACL.
	// +optional
	InSync int64 `json:"inSync"`
	// written is the number of ACL files written by the last pass.
	// +optional
	Written int64 `json:"written"`
	// unparseable is the number of existing sidecars that are not valid JSON
	// (kbwarden leaves them alone).
	// +optional
	Unparseable int64 `json:"unparseable"`
	// overLimit is the number of sidecars not written because they would
	// exceed the format's size limit or the 1,024-character key limit.
	// +optional
	OverLimit int64 `json:"overLimit"`
	// unreachable is the number of documents no rule allows anybody to see
	// (deny by default).
	// +optional
	Unreachable int64 `json:"unreachable"`
	// problems lists up to 20 document keys with what is wrong with each.
	// +optional
	// +listType=atomic
	Problems []string `json:"problems,omitempty"`
	// aclHash is a hash of the written ACL files' content; it changes exactly
	// when they change.
	// +optional
	ACLHash string `json:"aclHash,omitempty"`
	// lastSyncTime is when the ACL files were last all in sync with the
	// rules (it does not move while some file is rejected).
	// +optional
	LastSyncTime *metav1.Time `json:"lastSyncTime,omitempty"`
	// lastWriteTime is when the latest ACL file write or removal kbwarden
	// made took effect, as S3 dated it. An ingestion job is known to include
	// the current ACL files only if the ingestion service says it started
	// after this time; one that started before may have read the old files.
	// +optional
	LastWriteTime *metav1.Time `json:"lastWriteTime,omitempty"`
	// drift records the ACL files found changed out of band (driftPolicy
	// Observe) and when kbwarden last rewrote one it had written.
	// +optional
	Drift *DriftRecord `json:"drift,omitempty"`
}

// IngestionStatus reports ingestion jobs.
type IngestionStatus struct {
	// lastJob is the last job kbwarden started or saw.
	// +optional
	LastJob *IngestionJob `json:"lastJob,omitempty"`
	// lastSuccessfulJob is the last job that completed.
	// +optional
	LastSuccessfulJob *IngestionJob `json:"lastSuccessfulJob,omitempty"`
	// nextScheduledAt is when the interval next calls for a job
	// (spec.bedrock).
	// +optional
	NextScheduledAt *metav1.Time `json:"nextScheduledAt,omitempty"`
	// dataSource is "<knowledgeBaseId>/<dataSourceId>", the data source the
	// jobs above belong to. When the spec names another one, kbwarden
	// forgets them and looks at the new data source's own jobs.
	// +optional
	DataSource string `json:"dataSource,omitempty"`
	// schedule is the refresh schedule of the Amazon Quick knowledge base
	// as kbwarden last saw it (spec.quick).
	// +optional
	Schedule *RefreshScheduleStatus `json:"schedule,omitempty"`
}

// RefreshScheduleStatus is a Quick knowledge base's refresh schedule as
// Quick reports it.
type RefreshScheduleStatus struct {
	// id is the schedule's ID; empty when the knowledge base has none.
	// +optional
	ID string `json:"id,omitempty"`
	// interval is Quick's: HOURLY, DAILY, WEEKLY or MONTHLY.
	// +optional
	Interval string `json:"interval,omitempty"`
	// day is the day of a WEEKLY (SUNDAY to SATURDAY) or MONTHLY (1 to 31)
	// schedule.
	// +optional
	Day string `json:"day,omitempty"`
	// state is ENABLED or DISABLED.
	// +optional
	State string `json:"state,omitempty"`
	// drift records the schedule changes found out of band and repaired.
	// +optional
	Drift *DriftRecord `json:"drift,omitempty"`
}

// IngestionJob describes one ingestion job.
type IngestionJob struct {
	// id of the job (Bedrock's ingestion job ID, Quick's ingestion ID).
	// +required
	ID string `json:"id"`
	// status: for Bedrock STARTING, IN_PROGRESS, COMPLETE, FAILED, STOPPING
	// or STOPPED; for Quick QUEUED, RUNNING, COMPLETED, INCOMPLETE, FAILED,
	// CANCELLING, CANCELLED or TIMEOUT.
	// +optional
	Status string `json:"status,omitempty"`
	// trigger is why the job started: Changed, Interval, Manual, Repair, or
	// External when someone else started it (for Quick, always External:
	// the refresh schedule or a refresh in the Quick console).
	// +optional
	Trigger string `json:"trigger,omitempty"`
	// startedAt is when the job started.
	// +optional
	StartedAt *metav1.Time `json:"startedAt,omitempty"`
	// updatedAt is when the job last changed.
	// +optional
	UpdatedAt *metav1.Time `json:"updatedAt,omitempty"`
	// statistics Bedrock reported.
	// +optional
	Statistics *IngestionStatistics `json:"statistics,omitempty"`
	// failureReasons Bedrock reported, also on COMPLETE jobs.
	// +optional
	// +listType=atomic
	FailureReasons []string `json:"failureReasons,omitempty"`
	// aclHash is status.accessControl.aclHash when the job started: the ACL
	// files the job enforces. For a job kbwarden did not start it is set
	// only when the job started after those files were written, so a
	// completed job whose aclHash equals status.accessControl.aclHash
	// enforces the current rules.
	// +optional
	ACLHash string `json:"aclHash,omitempty"`
	// documentsFingerprint is status.documents.fingerprint when the job started.
	// +optional
	DocumentsFingerprint string `json:"documentsFingerprint,omitempty"`
	// rulesHash is a hash of spec.accessControl as it was when the job
	// started, when known. It tells a rule change (enforced at once) from
	// ACL files that changed only because documents came or went (waited
	// out with the documents' debounce).
	// +optional
	RulesHash string `json:"rulesHash,omitempty"`
}

// IngestionStatistics are the document counts of a job.
type IngestionStatistics struct {
	// +optional
	Scanned int64 `json:"scanned"`
	// +optional
	MetadataScanned int64 `json:"metadataScanned"`
	// +optional
	NewIndexed int64 `json:"newIndexed"`
	// +optional
	ModifiedIndexed int64 `json:"modifiedIndexed"`
	// +optional
	Deleted int64 `json:"deleted"`
	// +optional
	Failed int64 `json:"failed"`
}

// KnowledgeBase keeps the AWS infrastructure behind an Amazon Bedrock or
// Amazon Quick knowledge base as declared: the vector bucket's policy and
// versioning, document-level ACL files, and ingestion (Bedrock's jobs,
// Quick's refresh schedule).
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=kb,categories={kbwarden,aws}
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`
// +kubebuilder:printcolumn:name="ACL",type=string,JSONPath=`.spec.accessControl.mode`
// +kubebuilder:printcolumn:name="Last Ingestion",type=string,JSONPath=`.status.ingestion.lastJob.status`
// +kubebuilder:printcolumn:name="Bucket",type=string,JSONPath=`.spec.vectorBucket.name`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type KnowledgeBase struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec declares the desired state.
	// +required
	Spec KnowledgeBaseSpec `json:"spec"`

	// status is what kbwarden observed.
	// +optional
	// +kubebuilder:default={"observedGeneration":-1}
	Status KnowledgeBaseStatus `json:"status,omitempty"`
}

// KnowledgeBaseList is a list of KnowledgeBases.
// +kubebuilder:object:root=true
type KnowledgeBaseList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []KnowledgeBase `json:"items"`
}

func init() {
	SchemeBuilder.Register(&KnowledgeBase{}, &KnowledgeBaseList{})
}
