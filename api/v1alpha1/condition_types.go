package v1alpha1

// Condition types. Ready summarises the per-concern conditions; Reconciling
// and Stalled follow kstatus and are present only while they are true.
const (
	// ReadyCondition is True when every concern below is True.
	ReadyCondition = "Ready"
	// ReconcilingCondition is present (True) while kbwarden is still working
	// towards the declared state: a new generation, a retry after a transient
	// error, a running ingestion job, or a concern not yet evaluated.
	ReconcilingCondition = "Reconciling"
	// StalledCondition is present (True) when kbwarden cannot make progress
	// without a change to the spec or to the environment (a terminal error).
	StalledCondition = "Stalled"

	// VectorBucketPolicyInSyncCondition reports whether the vector bucket
	// policy holds kbwarden's statement as declared.
	VectorBucketPolicyInSyncCondition = "VectorBucketPolicyInSync"
	// VersioningInSyncCondition reports whether versioning of the vector and
	// documents buckets is as declared.
	VersioningInSyncCondition = "VersioningInSync"
	// AccessControlInSyncCondition reports whether the ACL files (the global
	// file or the per-document sidecars) hold what the rules compile to.
	AccessControlInSyncCondition = "AccessControlInSync"
	// IngestionSucceededCondition reports the outcome of the last ingestion job.
	IngestionSucceededCondition = "IngestionSucceeded"
)

// ConcernConditions are the per-concern condition types that Ready summarises,
// in the order they are reported.
var ConcernConditions = []string{
	VectorBucketPolicyInSyncCondition,
	VersioningInSyncCondition,
	AccessControlInSyncCondition,
	IngestionSucceededCondition,
}

// Condition reasons shared by several conditions.
const (
	// SucceededReason: the concern is in the declared state.
	SucceededReason = "Succeeded"
	// ProgressingReason: kbwarden is working on it.
	ProgressingReason = "Progressing"
	// NotEvaluatedReason: this version of kbwarden does not check the concern yet,
	// or has not checked it yet.
	NotEvaluatedReason = "NotEvaluated"
	// SuspendedReason: spec.suspend is true; nothing is read or written.
	SuspendedReason = "Suspended"
	// DriftedReason: the live state differs from the spec and driftPolicy is
	// Observe, so kbwarden reports it and leaves it alone.
	DriftedReason = "Drifted"
	// DriftRepairedReason: the live state differed and kbwarden repaired it.
	DriftRepairedReason = "DriftRepaired"
	// UnmanagedReason: the spec asks kbwarden not to manage this concern.
	UnmanagedReason = "Unmanaged"
	// InvalidSpecReason: the spec cannot be acted on; it must be changed.
	InvalidSpecReason = "InvalidSpec"
	// BucketNotFoundReason: a bucket named in the spec does not exist.
	BucketNotFoundReason = "BucketNotFound"
	// BucketNotAllowedReason: the bucket is outside the manager's allow-list.
	BucketNotAllowedReason = "BucketNotAllowed"
	// AccessDeniedReason: kbwarden's own role was refused a call.
	AccessDeniedReason = "AccessDenied"
	// ThrottledReason: AWS throttled kbwarden; it retries with backoff.
	ThrottledReason = "Throttled"
	// AWSErrorReason: AWS failed in a way that may pass (5xx, network); it
	// retries with backoff.
	AWSErrorReason = "AWSError"
	// MalformedPolicyReason: the live bucket policy is not valid JSON or not
	// a policy document; kbwarden does not overwrite it.
	MalformedPolicyReason = "MalformedPolicy"
	// PolicyTooLargeReason: the merged policy would exceed the size AWS accepts.
	PolicyTooLargeReason = "PolicyTooLarge"
	// DisabledReason: the concern is turned off in the spec (accessControl.mode None).
	DisabledReason = "Disabled"
	// DeletingReason: the object is being deleted and kbwarden is cleaning up.
	DeletingReason = "Deleting"
	// ACLFilesRejectedReason: some ACL files cannot be written as the rules
	// say (an existing sidecar is not valid JSON, a sidecar would exceed the
	// format's size limit or its key the 1,024-byte limit, or a file changed
	// while kbwarden wrote it). The others are written; the message and
	// status.accessControl.problems name the documents.
	ACLFilesRejectedReason = "ACLFilesRejected"
	// StatementConflictReason: another KnowledgeBase already owns the policy
	// statement with this Sid in the same vector bucket; the older one keeps
	// it, and this one stalls until one of them changes its statementId.
	StatementConflictReason = "StatementConflict"
	// StatementNotOwnedReason: the bucket policy holds a statement with
	// kbwarden's Sid that is not an Allow for the spec's kind of principal
	// (a security team's Deny, a grant to someone else). kbwarden writes
	// nothing until a person renames one of the two statements.
	StatementNotOwnedReason = "StatementNotOwned"
	// ACLConflictReason: another, older KnowledgeBase writes ACL files where
	// this one would (the same documents bucket and overlapping prefix or
	// metadataPrefix, or the same global file). The older one keeps them;
	// this one writes nothing and starts no ingestion until one changes.
	ACLConflictReason = "ACLConflict"
	// KnowledgeBaseNotFoundReason: Bedrock has no knowledge base or data
	// source with the spec's IDs in that account and region (or Amazon
	// Quick no knowledge base with spec.quick.knowledgeBaseId).
	KnowledgeBaseNotFoundReason = "KnowledgeBaseNotFound"
	// LimitExceededReason: AWS refused a call because a limit was reached
	// (Amazon Quick allows one refresh schedule per knowledge base); looked
	// at again every interval.
	LimitExceededReason = "LimitExceeded"
)

// Reasons of IngestionSucceeded.
const (
	// IngestionInProgressReason: a job of the data source is running.
	IngestionInProgressReason = "InProgress"
	// IngestionFailedReason: the last job failed.
	IngestionFailedReason = "Failed"
	// IngestionCompletedWithFailuresReason: the last job completed but Bedrock
	// reported failure reasons for some documents.
	IngestionCompletedWithFailuresReason = "CompletedWithFailures"
	// IngestionStoppedReason: the last job was stopped.
	IngestionStoppedReason = "Stopped"
	// IngestionPendingReason: a job is due and waits for its turn in the
	// account's start queue or for the debounce to pass; for spec.quick,
	// changed ACL files or documents wait for the knowledge base's next
	// scheduled refresh, since Amazon Quick has no API to start one.
	IngestionPendingReason = "Pending"
	// NoRefreshScheduleReason (spec.quick): ACL files or documents changed,
	// and the Quick knowledge base has no enabled refresh schedule, so
	// nothing will ingest the change until someone refreshes it in the
	// Quick console; declare spec.ingestion.schedule.
	NoRefreshScheduleReason = "NoRefreshSchedule"
	// ACLNotEnabledReason (spec.quick): the Quick knowledge base's
	// document-level ACLs are off while spec.accessControl writes ACL files
	// (Quick ignores them: every ingested document is retrievable by
	// everyone), or on while mode is None (Quick ingests no document
	// without an ACL entry).
	ACLNotEnabledReason = "ACLNotEnabled"
	// IngestionIncompleteReason (spec.quick): the last ingestion ended
	// INCOMPLETE: some documents were not ingested; kbwarden does not count
	// it as enforcing the ACL files.
	IngestionIncompleteReason = "Incomplete"
	// IngestionTimedOutReason (spec.quick): the last ingestion ended TIMEOUT.
	IngestionTimedOutReason = "TimedOut"
)

// Annotations and finalizers.
const (
	// RequestedAtAnnotation asks for an immediate drift check and ingestion
	// job; set it to any new token (for example a date). The token handled
	// last is echoed in status.lastHandledRequestedAt.
	RequestedAtAnnotation = "kbwarden.io/requested-at"
	// Finalizer lets kbwarden clean up what it wrote when
	// deletionPolicy is Delete.
	Finalizer = "kbwarden.io/finalizer"
)
