package v1alpha1

import "time"

// Reasons of a KnowledgeBase that tenancy stops before any AWS call. Under
// --tenancy=Required each stalls the KnowledgeBase (Ready False, Stalled
// True) with a message that says what to ask the platform team for.
const (
	// NoAccountBindingReason: no AccountBinding can be used for the
	// KnowledgeBase's namespace: none selects it, the one named in
	// spec.accountBinding does not exist, or spec.accountBinding is empty
	// and several Ready bindings select the namespace.
	NoAccountBindingReason = "NoAccountBinding"
	// NotGrantedReason: the KnowledgeBase names a bucket, key prefix, region
	// or knowledge base ID its binding does not grant, or names a binding
	// that does not select its namespace.
	NotGrantedReason = "NotGranted"
	// AccountMismatchReason: spec.accountId is not the binding's account,
	// or (on the AccountBinding) sts:GetCallerIdentity says the binding's
	// credentials land in another account than spec.accountId.
	AccountMismatchReason = "AccountMismatch"
	// AccountBindingNotReadyReason: the binding the KnowledgeBase uses is
	// not Ready yet (kbwarden has not verified it, or could not assume its
	// role); the KnowledgeBase waits for it.
	AccountBindingNotReadyReason = "AccountBindingNotReady"
)

// Reasons of an AccountBinding's Ready condition (SucceededReason when the
// role was assumed and lands in accountId, and AccountMismatchReason above).
const (
	// AssumeRoleFailedReason: sts:AssumeRole of spec.roleArn was refused
	// (the role's trust policy does not admit kbwarden's own role, the
	// external ID or session tags are not allowed, or the role does not
	// exist), or kbwarden's own credentials were not accepted.
	AssumeRoleFailedReason = "AssumeRoleFailed"
	// IdentityCheckFailedReason: sts:GetCallerIdentity failed in a way that
	// may pass (throttling, 5xx, network); kbwarden retries with backoff.
	IdentityCheckFailedReason = "IdentityCheckFailed"
)

// DefaultAccountBindingInterval is how often kbwarden verifies a binding
// again, so a role whose trust policy changed shows in its Ready condition.
// The credentials themselves are cached and refreshed before they expire.
const DefaultAccountBindingInterval = 10 * time.Minute
