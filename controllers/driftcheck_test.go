package controllers

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
)

// TestDriftCheckDue decides when a reconcile that comes early (a job poll, a
// debounce timer) may skip the vector bucket's read calls.
func TestDriftCheckDue(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	checked := func() *driftCheckLog {
		l := &driftCheckLog{byUID: map[types.UID]driftCheck{}}
		kb := newKnowledgeBase("due")
		kb.UID, kb.Generation = "uid-1", 2
		l.done(kb, start)
		return l
	}
	tests := map[string]struct {
		log    *driftCheckLog
		mutate func(*kbv1.KnowledgeBase)
		at     time.Duration
		want   bool
	}{
		"never checked":                {log: &driftCheckLog{byUID: map[types.UID]driftCheck{}}, want: true},
		"job poll a few seconds later": {log: checked(), at: 5 * time.Second, want: false},
		"the interval passed":          {log: checked(), at: 5 * time.Minute, want: true},
		"nearly the interval (jitter)": {log: checked(), at: 4*time.Minute + 50*time.Second, want: true},
		"a new generation":             {log: checked(), at: time.Second, mutate: func(kb *kbv1.KnowledgeBase) { kb.Generation = 3 }, want: true},
		"a pending manual trigger":     {log: checked(), at: time.Second, mutate: func(kb *kbv1.KnowledgeBase) { kb.Annotations = map[string]string{kbv1.RequestedAtAnnotation: "now"} }, want: true},
		"a manual trigger already checked for": {log: func() *driftCheckLog {
			l := checked()
			kb := newKnowledgeBase("due")
			kb.UID, kb.Generation = "uid-1", 2
			kb.Annotations = map[string]string{kbv1.RequestedAtAnnotation: "now"}
			l.done(kb, start)
			return l
		}(), at: time.Second, mutate: func(kb *kbv1.KnowledgeBase) { kb.Annotations = map[string]string{kbv1.RequestedAtAnnotation: "now"} }, want: false},
		"a handled manual trigger": {log: checked(), at: time.Second, mutate: func(kb *kbv1.KnowledgeBase) {
			kb.Annotations = map[string]string{kbv1.RequestedAtAnnotation: "then"}
			kb.Status.LastHandledRequestedAt = "then"
		}, want: false},
		"a short interval passed": {log: checked(), at: 3 * time.Second, mutate: func(kb *kbv1.KnowledgeBase) { kb.Spec.Interval = metav1.Duration{Duration: 2 * time.Second} }, want: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			kb := newKnowledgeBase("due")
			kb.UID, kb.Generation = "uid-1", 2
			if tc.mutate != nil {
				tc.mutate(kb)
			}
			if got := tc.log.due(kb, start.Add(tc.at)); got != tc.want {
				t.Fatalf("due = %v, want %v", got, tc.want)
			}
		})
	}
}
