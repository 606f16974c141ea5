package controllers

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestNotBefore compares a time kept in status (to the second) with one
// AWS reported (finer), as the repair-after-failed-job check does.
func TestNotBefore(t *testing.T) {
	t.Parallel()
	at := func(s string) *metav1.Time {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return &metav1.Time{Time: tm}
	}
	tests := map[string]struct {
		jobStart, stored string
		want             bool
	}{
		"same second, stored truncated": {"2026-11-22T12:00:05.300Z", "2026-11-22T12:00:05Z", true},
		"a later second":                {"2026-11-22T12:00:05.300Z", "2026-11-22T12:00:06Z", true},
		"an earlier second":             {"2026-11-22T12:00:05.300Z", "2026-11-22T12:00:04Z", false},
		"both whole seconds":            {"2026-11-22T12:00:05Z", "2026-11-22T12:00:05Z", true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := notBefore(at(tc.jobStart), at(tc.stored)); got != tc.want {
				t.Fatalf("notBefore = %v, want %v", got, tc.want)
			}
		})
	}
}
