package controllers

import (
	"context"
	"errors"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/acl"
	"github.com/kbwarden/kbwarden/internal/aclsync"
	"github.com/kbwarden/kbwarden/internal/awserr"
)

// reconcileAccessControl owns AccessControlInSync, status.accessControl and
// the document counts of status.documents (count, fingerprint,
// lastChangeTime), which the ingestion step reads to decide when to start a
// job. It runs in every mode: in None it only lists the documents. In
// Global and PerDocument modes it writes the ACL files the rules compile to
// (internal/aclsync; Enforce), or reports what it would write (Observe).
// Problems with single files (unparseable or over-limit sidecars, keys too
// long) are reported and never stop the other files.
func (r *KnowledgeBaseReconciler) reconcileAccessControl(ctx context.Context, obj *kbv1.KnowledgeBase) error {
	mode := obj.AccessControlMode()
	bucket := obj.Spec.Documents.Bucket
	target, err := aclTarget(obj)
	if err != nil {
		markFalse(obj, kbv1.AccessControlInSyncCondition, kbv1.InvalidSpecReason, "%s", err.Error())
		return err
	}
	t, err := r.resolveTarget(ctx, obj)
	if err != nil {
		markFalse(obj, kbv1.AccessControlInSyncCondition, reasonOf(err, kbv1.AWSErrorReason), "%s", err.Error())
		return err
	}
	res, syncErr := r.shared().acl.Sync(ctx, t.clients.S3, target)
	if res == nil {
		if mode == kbv1.AccessControlNone && awserr.Code(syncErr) == "NoSuchBucket" {
			// Nothing of kbwarden's depends on the bucket in mode None; the
			// ingestion step reports a data source without its bucket.
			markTrue(obj, kbv1.AccessControlInSyncCondition, kbv1.DisabledReason,
				"accessControl.mode is None: kbwarden writes no ACL file (documents bucket %s does not exist, so no documents are counted)", bucket)
			return nil
		}
		err := documentsBucketErr(syncErr, obj)
		markFalse(obj, kbv1.AccessControlInSyncCondition, reasonOf(err, kbv1.AWSErrorReason), "%s", err.Error())
		return err
	}
	recordDocuments(obj, res)
	if mode == kbv1.AccessControlNone {
		obj.Status.AccessControl = &kbv1.AccessControlStatus{Documents: int64(res.Documents)}
		markTrue(obj, kbv1.AccessControlInSyncCondition, kbv1.DisabledReason,
			"accessControl.mode is None: kbwarden writes no ACL file")
		return nil
	}
	r.recordAccessControl(ctx, obj, &target, res)
	if syncErr != nil {
		err := documentsBucketErr(syncErr, obj)
		markFalse(obj, kbv1.AccessControlInSyncCondition, reasonOf(err, kbv1.AWSErrorReason), "%s", err.Error())
		var stall *StallingError
		if errors.As(err, &stall) {
			// Some files were refused for good (a denied prefix, a legal
			// hold): the condition says so, and the other files were
			// written, so ingestion still runs to enforce them.
			return nil
		}
		return err
	}
	return nil
}

// aclTarget builds the sync target from the spec, compiling the rules. A
// spec that cannot compile stalls with InvalidSpec.
func aclTarget(obj *kbv1.KnowledgeBase) (aclsync.Target, error) {
	t := aclsync.Target{
		Bucket:  obj.Spec.Documents.Bucket,
		Prefix:  obj.Spec.Documents.Prefix,
		Owner:   obj.Namespace + "." + obj.Name,
		Mode:    obj.AccessControlMode(),
		Observe: obj.DriftPolicy() == kbv1.DriftObserve,
	}
	if t.Mode == kbv1.AccessControlNone {
		return t, nil
	}
	ac := obj.Spec.AccessControl
	if t.Mode == kbv1.AccessControlGlobal && ac.GlobalFile == "" {
		return t, stalling(kbv1.InvalidSpecReason, "spec.accessControl.globalFile is required when mode is Global")
	}
	policy, err := acl.Compile(ac.Rules, ac.Format, t.Bucket)
	if err != nil {
		return t, stalling(kbv1.InvalidSpecReason, "%w", err)
	}
	t.Policy, t.GlobalFile, t.MetadataPrefix = policy, ac.GlobalFile, ac.MetadataPrefix
	t.SizeLimit = acl.SidecarSizeLimit(policy.Format(), obj.Spec.VectorBucket.Type)
	return t, nil
}

// documentsBucketErr classifies an error of the documents bucket like the
// vector bucket step does its own, so both get the same reasons.
func documentsBucketErr(err error, obj *kbv1.KnowledgeBase) error {
	if errors.Is(err, context.Canceled) {
		return transient(kbv1.ProgressingReason, "syncing ACL files: %w", err)
	}
	return classifyBucketErr(err, obj.Spec.Documents.Bucket, obj)
}

// recordDocuments sets status.documents' count and fingerprint, and moves
// lastChangeTime only when the fingerprint changes, so a steady-state pass
// leaves status untouched. It keeps .versioning, set by the vector bucket step.
func recordDocuments(obj *kbv1.KnowledgeBase, res *aclsync.Result) {
	if obj.Status.Documents == nil {
		obj.Status.Documents = &kbv1.DocumentsStatus{}
	}
	d := obj.Status.Documents
	d.Count = int64(res.Documents)
	if d.Fingerprint != res.Fingerprint {
		now := metav1.Now()
		d.Fingerprint, d.LastChangeTime = res.Fingerprint, &now
	}
}

// listKeys renders up to n keys for a message, then how many more.
func listKeys(keys []string, n int) string {
	if len(keys) <= n {
		return joinKeys(keys)
	}
	return fmt.Sprintf("%s and %d more", joinKeys(keys[:n]), len(keys)-n)
}

// joinKeys joins keys, shortening each to maxKeyInMessage bytes so a
// message stays readable (and an event note under its 1,024-byte limit)
// even with S3's 1,024-byte keys.
func joinKeys(keys []string) string {
	short := make([]string, len(keys))
	for i, k := range keys {
		if len(k) > maxKeyInMessage {
			k = k[:maxKeyInMessage/2] + "..." + k[len(k)-maxKeyInMessage/2:]
		}
		short[i] = k
	}
	return strings.Join(short, ", ")
}

// maxKeyInMessage is the longest key (or "key: problem") shown whole in a
// condition message or an event.
const maxKeyInMessage = 160
