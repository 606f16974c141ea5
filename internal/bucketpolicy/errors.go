package bucketpolicy

import "fmt"

// MaxPolicySize is the largest bucket policy S3 accepts, in bytes. S3 does
// not count whitespace, and this package writes compact JSON, so the limit
// is checked against exactly the bytes that will be sent.
const MaxPolicySize = 20480

// MalformedPolicyError reports a live policy that is not valid JSON or not a
// policy document. The caller must not overwrite such a policy: kbwarden
// cannot tell which of its statements belong to others, so writing would
// risk destroying someone else's access rules.
type MalformedPolicyError struct {
	// Reason says what is wrong, for the condition message.
	Reason string
}

// Error describes the malformed policy.
func (e *MalformedPolicyError) Error() string {
	return "bucket policy is malformed: " + e.Reason
}

// DuplicateStatementError reports that more than one statement carries
// kbwarden's Sid. kbwarden cannot know which one is its own, and silently
// dropping either could remove access someone relies on, so it stops.
type DuplicateStatementError struct {
	// Sid is the statement ID that appears more than once.
	Sid string
}

// Error describes the duplicate statement.
func (e *DuplicateStatementError) Error() string {
	return fmt.Sprintf("bucket policy has more than one statement with Sid %q", e.Sid)
}

// PolicyTooLargeError reports that the merged policy would exceed S3's size
// limit, so the write would be rejected; the caller reports it instead of
// retrying a request that can never succeed.
type PolicyTooLargeError struct {
	// Size is the size of the compact merged policy, in bytes.
	Size int
	// Limit is the largest size S3 accepts, in bytes.
	Limit int
}

// Error describes the size overrun.
func (e *PolicyTooLargeError) Error() string {
	return fmt.Sprintf("merged bucket policy is %d bytes, more than the %d bytes S3 accepts", e.Size, e.Limit)
}

// InvalidDesiredError reports a Desired that cannot produce a valid
// statement, which means the spec is wrong: retrying will not help until
// the spec changes.
type InvalidDesiredError struct {
	// Reason says which field is wrong.
	Reason string
}

// Error describes the invalid desired statement.
func (e *InvalidDesiredError) Error() string {
	return "desired bucket policy statement is invalid: " + e.Reason
}
