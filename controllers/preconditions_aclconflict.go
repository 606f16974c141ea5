package controllers

import (
	"context"
	"fmt"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/client"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
)

// Two KnowledgeBases whose ACL files overlap would rewrite each other's
// files on every pass, and the ACL in force would be whichever wrote last.
// So the files of a key range belong to the oldest KnowledgeBase that
// writes there, and a newer one whose range overlaps stalls with
// ACLConflict. A range is a "scope": a key prefix (every key under it) in a
// bucket, or one exact key. Two scopes overlap exactly when one, as a
// string, is a prefix of the other; an exact key is written with a
// terminator no key contains, so it is under a prefix scope but never under
// another exact key it merely begins.
const (
	// aclScopeIndex indexes a KnowledgeBase under every string prefix of
	// each of its scopes: a lookup of scope S finds the KnowledgeBases with
	// a scope at or under S.
	aclScopeIndex = "kbwarden.aclScopePrefixes"
	// aclScopeExactIndex indexes a KnowledgeBase under its scopes exactly:
	// lookups of the proper prefixes of S find the scopes S lies under.
	aclScopeExactIndex = "kbwarden.aclScope"
	// exactKeyEnd ends the scope of a single key. S3 keys are UTF-8
	// without NUL, so no key continues past it.
	exactKeyEnd = "\x00"
)

// aclScopes lists where obj writes ACL files, each as "bucket|scope", all
// kinds in one key space: sidecars next to the documents, sidecars in a
// parallel tree (metadataPrefix + the document's key) and global files
// (one exact key) can all land on the same key (a global file named like
// another KnowledgeBase's sidecar; a parallel tree inside another's
// documents, whose sidecar an uploaded document there would get). The
// bookkeeping folder is per KnowledgeBase and never overlaps another's.
func aclScopes(obj *kbv1.KnowledgeBase) []string {
	ac := obj.Spec.AccessControl
	bucket := obj.Spec.Documents.Bucket + "|"
	switch obj.AccessControlMode() {
	case kbv1.AccessControlPerDocument:
		return []string{bucket + ac.MetadataPrefix + obj.Spec.Documents.Prefix}
	case kbv1.AccessControlGlobal:
		return []string{bucket + ac.GlobalFile + exactKeyEnd}
	}
	return nil
}

// scopeKind tells sidecars next to documents ("d") from the other kinds
// (a parallel tree or a global file), which only share a key with them if
// someone puts a document where the parallel tree is.
func scopeKind(obj *kbv1.KnowledgeBase) string {
	if obj.AccessControlMode() == kbv1.AccessControlPerDocument && obj.Spec.AccessControl.MetadataPrefix == "" {
		return "d"
	}
	return "other"
}

// scopeStart is where the key part of a scope begins, after "bucket|".
func scopeStart(scope string) int { return strings.IndexByte(scope, '|') + 1 }

// indexACLScopes registers the two scope indexes on the manager's cache.
func indexACLScopes(ctx context.Context, indexer client.FieldIndexer) error {
	if err := indexer.IndexField(ctx, &kbv1.KnowledgeBase{}, aclScopeExactIndex, func(o client.Object) []string {
		return aclScopes(o.(*kbv1.KnowledgeBase))
	}); err != nil {
		return err
	}
	return indexer.IndexField(ctx, &kbv1.KnowledgeBase{}, aclScopeIndex, func(o client.Object) []string {
		var keys []string
		for _, s := range aclScopes(o.(*kbv1.KnowledgeBase)) {
			for i := scopeStart(s); i <= len(s); i++ {
				keys = append(keys, s[:i])
			}
		}
		return keys
	})
}

// aclConflict returns the error that blocks obj's ACL files when an older
// KnowledgeBase writes where obj would, or nil. It reads only the manager's
// cache, through the indexes: one lookup for the scopes under obj's, and
// one per byte of obj's scope for those it lies under (in-memory map reads,
// nearly all empty).
func (s *preconditionsStep) aclConflict(ctx context.Context, obj *kbv1.KnowledgeBase) (blocked, err error) {
	for _, scope := range aclScopes(obj) {
		lookups := []client.MatchingFields{{aclScopeIndex: scope}}
		for i := scopeStart(scope); i < len(scope); i++ {
			lookups = append(lookups, client.MatchingFields{aclScopeExactIndex: scope[:i]})
		}
		for _, fields := range lookups {
			var list kbv1.KnowledgeBaseList
			if err = s.client.List(ctx, &list, fields); err != nil {
				return nil, transient(kbv1.ProgressingReason, "listing KnowledgeBases: %w", err)
			}
			if owner := s.olderWriter(ctx, obj, list.Items); owner != nil {
				return &StallingError{Reason: kbv1.ACLConflictReason, RetryAfter: obj.GetInterval(),
					Err: fmt.Errorf("KnowledgeBase %s/%s, created first, already writes ACL files where this one would (%s); "+
						"kbwarden writes none for this one until their documents.prefix, accessControl.metadataPrefix or globalFile no longer overlap",
						owner.Namespace, owner.Name, describeScope(owner))}, nil
			}
		}
	}
	return nil, nil
}

// olderWriter returns the first of others, not obj, that writes ACL files
// and was created before obj. Under tenancy a KnowledgeBase its binding
// does not grant writes nothing, so it cannot claim another tenant's files.
func (s *preconditionsStep) olderWriter(ctx context.Context, obj *kbv1.KnowledgeBase, others []kbv1.KnowledgeBase) *kbv1.KnowledgeBase {
	for i := range others {
		other := &others[i]
		if other.UID == obj.UID || !other.DeletionTimestamp.IsZero() || !createdBefore(other, obj) {
			continue
		}
		// Within one namespace (one team) a tree of sidecars next to the
		// documents and a parallel tree or global file share keys only if
		// the team puts documents into its own parallel tree; across
		// namespaces that would let one tenant write the other's ACLs.
		if other.Namespace == obj.Namespace && scopeKind(other) != scopeKind(obj) {
			continue
		}
		if s.tenancy.Required() {
			if _, _, _, err := s.tenantGrant(ctx, other); err != nil {
				continue
			}
		}
		return other
	}
	return nil
}

// describeScope says where a KnowledgeBase writes ACL files, for messages.
func describeScope(obj *kbv1.KnowledgeBase) string {
	ac, docs := obj.Spec.AccessControl, obj.Spec.Documents
	if obj.AccessControlMode() == kbv1.AccessControlGlobal {
		return fmt.Sprintf("global file s3://%s/%s", docs.Bucket, ac.GlobalFile)
	}
	return fmt.Sprintf("sidecars under s3://%s/%s", docs.Bucket, ac.MetadataPrefix+docs.Prefix)
}
