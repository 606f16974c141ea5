package controllers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/acl"
	"github.com/kbwarden/kbwarden/internal/aclsync"
	"github.com/kbwarden/kbwarden/internal/awserr"
	"github.com/kbwarden/kbwarden/internal/metrics"
)

// accessControlStep owns AccessControlInSync, status.accessControl and
// status.documents (count, fingerprint, lastChangeTime). It runs in every
// mode: in None it only lists the documents. In Global and PerDocument
// modes it writes the ACL files the rules compile to (internal/aclsync;
// Enforce), or reports what it would write (Observe). Problems with single
// files (unparseable or over-limit sidecars, keys too long) are reported
// and never stop the other files. It hands an aclReport forward, from
// which the ingestion step decides when a job is due.
//
// Its state is the ACL syncer, whose manifest cache makes a steady-state
// pass free of GETs.
type accessControlStep struct {
	events recorder
	clock  clock.PassiveClock
	drift  driftRecorder
	syncer *aclsync.Syncer
	// checks gates the listing like the drift check: once per interval, on
	// a spec change or a manual trigger, or when the ingestion step asks
	// (a job just ended). A pass that only waits lists nothing.
	checks *driftCheckLog
}

func newAccessControlStep(ev recorder, clk clock.PassiveClock) *accessControlStep {
	return &accessControlStep{
		events: ev, clock: clk,
		drift:  driftRecorder{concern: metrics.ConcernACL, condition: kbv1.AccessControlInSyncCondition, action: "AccessControl", events: ev, clock: clk},
		syncer: &aclsync.Syncer{Concurrency: aclsync.DefaultConcurrency},
		checks: newDriftCheckLog(),
	}
}

// aclReport is what the access control step hands forward: the state of
// the documents and ACL files that an ingestion job would take in.
type aclReport struct {
	// aclHash is the hash of the ACL files as written (empty in mode None).
	aclHash string
	// fingerprint is the hash of the documents' keys and ETags.
	fingerprint string
	// documentsChangedAt is when the current fingerprint was first seen.
	documentsChangedAt *metav1.Time
	// lastSyncTime is when the ACL files were last brought in sync, by the
	// manager's clock.
	lastSyncTime *metav1.Time
	// lastWriteTime is when S3 says kbwarden's latest ACL file write took
	// effect: the instant an ingestion job must have started after, by the
	// ingestion service's clock, to have read the current files.
	lastWriteTime *metav1.Time
	// rulesHash is a hash of spec.accessControl, which the files were
	// written from.
	rulesHash string
}

func (s *accessControlStep) reconcile(ctx context.Context, obj *kbv1.KnowledgeBase, p *pass) error {
	if reportBlocked(obj, p, concernAccessControl, kbv1.AccessControlInSyncCondition, metav1.ConditionFalse) {
		return nil
	}
	if s.checks.due(obj, p.now) {
		if err := s.sync(ctx, obj, p.target); err != nil {
			return err
		}
		s.checks.done(obj, p.now)
	}
	p.acl = reportACL(obj)
	return nil
}

// forget drops what the step remembers of a deleted KnowledgeBase,
// including the syncer's cached manifest.
func (s *accessControlStep) forget(obj *kbv1.KnowledgeBase) {
	s.checks.forget(obj.UID)
	s.syncer.Forget(aclOwner(obj))
}

// rulesHash is a short hash of the declared access control, "" in mode
// None.
func rulesHash(obj *kbv1.KnowledgeBase) string {
	if obj.AccessControlMode() == kbv1.AccessControlNone {
		return ""
	}
	data, _ := json.Marshal(obj.Spec.AccessControl) // a struct of strings and slices: never fails
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}

// reportACL builds the report from the status this step just wrote.
func reportACL(obj *kbv1.KnowledgeBase) *aclReport {
	r := &aclReport{rulesHash: rulesHash(obj)}
	if ac := obj.Status.AccessControl; ac != nil {
		r.aclHash, r.lastSyncTime, r.lastWriteTime = ac.ACLHash, ac.LastSyncTime, ac.LastWriteTime
	}
	if d := obj.Status.Documents; d != nil {
		r.fingerprint, r.documentsChangedAt = d.Fingerprint, d.LastChangeTime
	}
	return r
}

func (s *accessControlStep) sync(ctx context.Context, obj *kbv1.KnowledgeBase, t *target) error {
	mode := obj.AccessControlMode()
	bucket := obj.Spec.Documents.Bucket
	target, err := aclTarget(obj)
	target.MayTouch = t.mayTouch
	if err != nil {
		markFalse(obj, kbv1.AccessControlInSyncCondition, kbv1.InvalidSpecReason, "%s", err.Error())
		return err
	}
	res, syncErr := s.syncer.Sync(ctx, t.clients.S3, target)
	var inScope *aclsync.BookkeepingInScopeError
	if errors.As(syncErr, &inScope) {
		err := &StallingError{Reason: kbv1.InvalidSpecReason, RetryAfter: obj.GetInterval(),
			Err: fmt.Errorf("spec.accessControl.bookkeepingBucket: %w", syncErr)}
		markFalse(obj, kbv1.AccessControlInSyncCondition, kbv1.InvalidSpecReason, "%s", err.Error())
		return err
	}
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
	s.recordDocuments(obj, res)
	if mode == kbv1.AccessControlNone {
		obj.Status.AccessControl = &kbv1.AccessControlStatus{Documents: int64(res.Documents)}
		markTrue(obj, kbv1.AccessControlInSyncCondition, kbv1.DisabledReason,
			"accessControl.mode is None: kbwarden writes no ACL file")
		return nil
	}
	s.record(ctx, obj, &target, res)
	if res.LayoutChangePending && syncErr == nil {
		// The ACL in force is neither the old layout's nor the new one's:
		// no ingestion may start on it, so the pass ends here and the
		// listing is retried soon instead of at the next interval.
		after := min(obj.GetInterval(), layoutRetry)
		return waiting(kbv1.ACLFilesRejectedReason, after, "files of the previous ACL layout are not all removed yet; retrying in %s", after)
	}
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

// layoutRetry is how soon a layout change whose old files could not all be
// settled is tried again.
const layoutRetry = 30 * time.Second

// aclTarget builds the sync target from the spec, compiling the rules. A
// spec that cannot compile stalls with InvalidSpec.
func aclTarget(obj *kbv1.KnowledgeBase) (aclsync.Target, error) {
	t := aclsync.Target{
		Bucket:  obj.Spec.Documents.Bucket,
		Prefix:  obj.Spec.Documents.Prefix,
		Owner:   aclOwner(obj),
		Mode:    obj.AccessControlMode(),
		Observe: obj.DriftPolicy() == kbv1.DriftObserve,
	}
	if t.Mode == kbv1.AccessControlNone {
		return t, nil
	}
	ac := obj.Spec.AccessControl
	t.BookkeepingBucket = ac.BookkeepingBucket
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
// leaves status untouched.
func (s *accessControlStep) recordDocuments(obj *kbv1.KnowledgeBase, res *aclsync.Result) {
	if obj.Status.Documents == nil {
		obj.Status.Documents = &kbv1.DocumentsStatus{}
	}
	d := obj.Status.Documents
	d.Count = int64(res.Documents)
	if d.Fingerprint != res.Fingerprint {
		now := metav1.NewTime(s.clock.Now())
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
