// Package tenancy decides, before any AWS call, what a KnowledgeBase may
// touch: which AccountBinding its namespace gets (Resolve), and whether that
// binding grants the account, region, knowledge base, buckets and key
// prefixes the KnowledgeBase names (Grant). It is pure: it reads only the
// objects it is given, so the reconciler's preconditions step and the tests
// see the same decisions.
//
// Bucket patterns have path.Match semantics restricted to the * and ?
// wildcards (the CRD rejects character classes and escapes, so a pattern
// can never be malformed). A pattern may name a key prefix after the bucket,
// as in acme-docs/team-a/*; a trailing * there admits every key below, as
// IAM's resource wildcards do, while a * inside a key pattern stays within
// one path segment.
package tenancy
