// Package bucketpolicy computes the bucket policy kbwarden wants on an S3
// bucket or an S3 Vectors vector bucket, without calling AWS.
//
// kbwarden owns exactly one statement in such a policy, found by its Sid.
// Everything else in the policy belongs to someone else (a security team's
// Deny statements, another tool's grants), so it is carried over unchanged:
// the package only ever replaces, appends or removes the owned statement.
//
// A Sid is only a label, so carrying kbwarden's does not make a statement
// kbwarden's. Reconcile adopts an existing statement with the Sid only when
// its Effect is Allow and its Principal names only the kind of principal
// the spec grants (a Service principal, or IAM role ARNs under "AWS");
// anything else is a *StatementNotOwnedError and nothing is merged.
// Actions, resources and conditions may differ: that is drift, repaired.
// What kbwarden wrote is recorded by the caller as a semantic hash
// (Result.StatementHash), and Remove deletes the statement only while the
// live one still hashes the same, so a statement someone changed after
// kbwarden wrote it is theirs and stays.
//
// Comparison is semantic. S3 may hand back a policy reformatted, with keys
// reordered or one-element arrays collapsed to strings; treating that as
// drift would make the controller rewrite the policy on every pass. Whether
// the owned statement is in sync is therefore decided by
// github.com/hashicorp/awspolicyequivalence, and the human-readable drift
// list is produced separately by a structured comparison that only explains
// the verdict, never overrides it.
package bucketpolicy
