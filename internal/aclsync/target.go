package aclsync

import (
	"time"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/acl"
)

// Target is what one pass keeps in sync: the documents bucket and prefix of
// one KnowledgeBase and its compiled rules.
type Target struct {
	// Bucket and Prefix locate the documents: the data source's scope.
	Bucket, Prefix string
	// Owner names the KnowledgeBase as "<namespace>.<name>"; it names the
	// bookkeeping folder, so KnowledgeBases sharing a bucket keep apart.
	Owner string
	// Mode is None (list only), Global or PerDocument.
	Mode kbv1.AccessControlMode
	// Policy is the compiled rules; unused in mode None.
	Policy *acl.Policy
	// GlobalFile is the global file's key (mode Global). In PerDocument
	// mode it is still never treated as a document, so it never gets a
	// sidecar.
	GlobalFile string
	// MetadataPrefix puts sidecars in a parallel tree (see acl.SidecarKey).
	MetadataPrefix string
	// SizeLimit is the largest sidecar written (acl.SidecarSizeLimit).
	SizeLimit int
	// Observe writes nothing (driftPolicy Observe): what would be written
	// or removed is returned in Result.Pending.
	Observe bool

	// BookkeepingBucket and BookkeepingPrefix say where kbwarden keeps its
	// manifest for this KnowledgeBase. An empty BookkeepingBucket means the
	// documents bucket; an empty BookkeepingPrefix means
	// ".kbwarden/<Owner>/". The location must lie outside the data source
	// (Bucket and Prefix), because Bedrock and Quick ingest every object
	// under a data source's inclusion prefixes: a manifest there would be
	// ingested as a document. With an empty Prefix no folder of the
	// documents bucket qualifies, so the caller must name another bucket;
	// otherwise Sync returns a *BookkeepingInScopeError. A manifest found
	// at the old default location (".kbwarden/<Owner>/" in the documents
	// bucket) is read and moved to the new one.
	BookkeepingBucket, BookkeepingPrefix string

	// MayTouch, when set, says whether kbwarden may change or delete the
	// object at bucket/key (the tenant's grant). Files of an earlier layout
	// and cleanup are taken from the manifest, which lives in S3 where the
	// tenant may write it: a key MayTouch refuses is never retired, only
	// forgotten.
	MayTouch func(bucket, key string) bool
}

// ProblemKind classifies why a file was not brought in sync.
type ProblemKind string

// Problem kinds.
const (
	// Unparseable: an existing sidecar is not a JSON object kbwarden can edit
	// (or holds the other format's ACL key); it is never overwritten.
	Unparseable ProblemKind = "Unparseable"
	// OverLimit: the sidecar would exceed the size limit, or its key S3's
	// 1,024-byte limit, or an existing sidecar is larger than the services
	// read; it is not written (nor read).
	OverLimit ProblemKind = "OverLimit"
	// NotOwned: the object at the global file's key is not a global ACL
	// file kbwarden wrote; it is never overwritten or deleted.
	NotOwned ProblemKind = "NotOwned"
	// Changed: the file changed between kbwarden's read and its write; the
	// next pass retries.
	Changed ProblemKind = "Changed"
	// Orphan: a file left in place because it is someone else's now: a
	// sidecar whose document is gone, or a file of an earlier layout,
	// that kbwarden did not create or someone changed since.
	Orphan ProblemKind = "Orphan"
	// Failed: the write failed (after the SDK's retries).
	Failed ProblemKind = "Failed"
)

// Problem is one file or document kbwarden could not bring in sync.
type Problem struct {
	// Key is the document's key (over-limit) or the file's key (others).
	Key    string
	Kind   ProblemKind
	Detail string
}

// String renders "key: what is wrong".
func (p Problem) String() string { return p.Key + ": " + p.Detail }

// Result is what one pass saw and did.
type Result struct {
	// Documents is the number of documents; Fingerprint a SHA-256 over
	// their sorted keys and ETags.
	Documents   int
	Fingerprint string
	// Unreachable lists, sorted, the documents nobody may retrieve.
	Unreachable []string
	// InSync counts documents (PerDocument) or files (Global) already right.
	InSync int
	// Written counts ACL files written or removed this pass; Repaired is
	// the part of them someone had changed since kbwarden wrote them.
	Written, Repaired int
	// Retired counts the files of an earlier layout (another mode, prefix,
	// metadataPrefix, format or bucket) removed, or stripped of kbwarden's
	// field, this pass; they are part of Written.
	Retired int
	// Pending lists (Observe) the files that would be written or removed.
	Pending []string
	// Unparseable and OverLimit count the problems of those kinds.
	Unparseable, OverLimit int
	// Problems are sorted by key.
	Problems []Problem
	// ACLHash changes exactly when the ACL the files hold changes; empty in
	// mode None, and while LayoutChangePending.
	ACLHash string
	// LayoutChangePending says files of an earlier layout could not all be
	// settled (one failed or changed meanwhile; see Problems), so the new
	// layout was not written this pass. The ACL in force is neither the
	// old nor the new one: the caller should not start ingestion on it.
	LayoutChangePending bool
	// LastWriteAt is when S3 says the latest ACL file write (or removal) of
	// this pass took effect: the Date of its response, with S3's
	// one-second precision. Zero when the pass wrote no ACL file. The
	// caller compares it with the start time the ingestion service
	// reports, both AWS clocks, to know whether a job saw the new ACL.
	LastWriteAt time.Time
}
