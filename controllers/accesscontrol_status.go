package controllers

import (
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/aclsync"
	"github.com/kbwarden/kbwarden/internal/metrics"
)

// maxProblems is how many problems status.accessControl.problems lists.
const maxProblems = 20

// record turns a sync's result into status.accessControl, the
// AccessControlInSync condition, events (on transitions only) and metrics.
func (s *accessControlStep) record(ctx context.Context, obj *kbv1.KnowledgeBase, t *aclsync.Target, res *aclsync.Result) {
	prev := obj.Status.AccessControl
	if prev == nil {
		prev = &kbv1.AccessControlStatus{}
	}
	blocking, orphans := splitProblems(res.Problems)
	st := &kbv1.AccessControlStatus{
		Documents:     int64(res.Documents),
		InSync:        int64(res.InSync),
		Written:       int64(res.Written),
		Unparseable:   int64(res.Unparseable),
		OverLimit:     int64(res.OverLimit),
		Unreachable:   int64(len(res.Unreachable)),
		Problems:      problemList(res),
		ACLHash:       res.ACLHash,
		LastSyncTime:  prev.LastSyncTime,
		LastWriteTime: prev.LastWriteTime,
		Drift:         prev.Drift,
	}
	switch {
	case !res.LastWriteAt.IsZero():
		// S3's date, not the manager's clock: ingestion compares it with the
		// start time the ingestion service reports.
		at := metav1.NewTime(res.LastWriteAt)
		st.LastWriteTime = &at
	case res.Written > 0:
		// A write S3 did not date: the manager's clock is all there is,
		// and keeping the older date would credit jobs that started
		// between the two writes.
		at := metav1.NewTime(s.clock.Now())
		st.LastWriteTime = &at
	}
	inSync := len(blocking) == 0 && len(res.Pending) == 0
	if inSync && (res.Written > 0 || st.LastSyncTime == nil) {
		now := metav1.NewTime(s.clock.Now())
		st.LastSyncTime = &now
	}
	obj.Status.AccessControl = st

	metrics.DocumentsUnreachable.WithLabelValues(obj.Namespace, obj.Name).Set(float64(len(res.Unreachable)))
	if res.Written > 0 {
		metrics.ACLFilesWritten.WithLabelValues(obj.Namespace, obj.Name).Add(float64(res.Written))
		ctrl.LoggerFrom(ctx).Info("wrote ACL files", "bucket", t.Bucket, "written", res.Written, "repaired", res.Repaired, "inSync", res.InSync)
		reason := kbv1.SucceededReason
		if res.Repaired > 0 {
			reason = kbv1.DriftRepairedReason
			metrics.DriftRepairs.WithLabelValues(obj.Namespace, obj.Name, metrics.ConcernACL).Add(float64(res.Repaired))
		}
		s.events.event(obj, corev1.EventTypeNormal, reason, "WriteACLFiles", "wrote %d ACL files in bucket %s (%d repaired after an out-of-band change, %d of an earlier layout removed or stripped of kbwarden's field)",
			res.Written, t.Bucket, res.Repaired, res.Retired)
	}
	s.problemEvents(obj, prev.Problems, st.Problems, len(blocking)+len(orphans))

	summary := aclSummary(t, res, orphans)
	switch {
	case len(res.Pending) > 0:
		drift := fmt.Sprintf("driftPolicy Observe: %d ACL files differ from the rules and were not written: %s; %s",
			len(res.Pending), listKeys(res.Pending, 5), summary)
		s.drift.observed(obj, &st.Drift, drift)
	case len(blocking) > 0:
		s.drift.inSync(obj)
		markFalse(obj, kbv1.AccessControlInSyncCondition, kbv1.ACLFilesRejectedReason,
			"%d ACL files not written (kbwarden never overwrites a file it cannot parse or did not write; fix, move or delete them): %s; %s",
			len(blocking), problemsText(blocking, 5), summary)
	default:
		s.drift.inSync(obj)
		reason := kbv1.SucceededReason
		if res.Repaired > 0 {
			reason = kbv1.DriftRepairedReason
		}
		markTrue(obj, kbv1.AccessControlInSyncCondition, reason, "%s", summary)
	}
}

// aclSummary is the counts sentence of the condition message.
func aclSummary(t *aclsync.Target, res *aclsync.Result, orphans []aclsync.Problem) string {
	var b strings.Builder
	if t.Mode == kbv1.AccessControlGlobal {
		state := "in sync"
		if res.Written > 0 {
			state = "written"
		} else if res.InSync == 0 {
			state = "not in sync"
		}
		fmt.Fprintf(&b, "%d documents; global ACL file %s %s", res.Documents, t.GlobalFile, state)
	} else {
		fmt.Fprintf(&b, "%d documents: %d in sync, %d written", res.Documents, res.InSync, res.Written)
		if res.Repaired > 0 {
			fmt.Fprintf(&b, " (%d repaired after an out-of-band change)", res.Repaired)
		}
	}
	if n := len(res.Unreachable); n > 0 {
		fmt.Fprintf(&b, "; %d unreachable by deny-by-default (no rule allows them): %s", n, listKeys(res.Unreachable, 5))
	}
	if len(orphans) > 0 {
		fmt.Fprintf(&b, "; %d sidecars of deleted documents left in place: %s", len(orphans), problemsText(orphans, 3))
	}
	return b.String()
}

// splitProblems separates what keeps the ACL files from matching the
// rules from orphans (sidecars of deleted documents kbwarden may not
// remove), which are reported but do not make the condition False.
func splitProblems(all []aclsync.Problem) (blocking, orphans []aclsync.Problem) {
	for _, p := range all {
		if p.Kind == aclsync.Orphan {
			orphans = append(orphans, p)
		} else {
			blocking = append(blocking, p)
		}
	}
	return blocking, orphans
}

// problemList is status.accessControl.problems: the problems first, then
// the unreachable documents, at most maxProblems in all.
func problemList(res *aclsync.Result) []string {
	var out []string
	for _, p := range res.Problems {
		out = append(out, p.String())
	}
	for _, k := range res.Unreachable {
		out = append(out, k+": no rule allows anybody to retrieve it (deny by default)")
	}
	if len(out) > maxProblems {
		out = out[:maxProblems]
	}
	return out
}

func problemsText(ps []aclsync.Problem, n int) string {
	var keys []string
	for _, p := range ps {
		keys = append(keys, p.String())
	}
	return listKeys(keys, n)
}

// problemEvents records an event when the list of problems changes: a
// warning when some appear, a normal event when the last one is gone.
func (s *accessControlStep) problemEvents(obj *kbv1.KnowledgeBase, before, after []string, count int) {
	isProblem := func(s string) bool { return !strings.HasSuffix(s, "(deny by default)") }
	was := slices.DeleteFunc(slices.Clone(before), func(s string) bool { return !isProblem(s) })
	now := slices.DeleteFunc(slices.Clone(after), func(s string) bool { return !isProblem(s) })
	switch {
	case slices.Equal(was, now):
	case len(now) == 0:
		s.events.event(obj, corev1.EventTypeNormal, kbv1.SucceededReason, "SyncACLFiles", "every ACL file problem is resolved")
	default:
		s.events.event(obj, corev1.EventTypeWarning, kbv1.ACLFilesRejectedReason, "SyncACLFiles", "%d ACL file problems: %s", count, listKeys(now, 5))
	}
}
