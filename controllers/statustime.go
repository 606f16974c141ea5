package controllers

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// latestInstant is the latest instant a time read back from status can
// stand for. Status keeps times to the second while AWS reports finer
// ones, so every comparison of the two goes through here: "12:00:05" in
// status may have been 12:00:05.999.
func latestInstant(t *metav1.Time) time.Time {
	return t.Time.Truncate(time.Second).Add(time.Second - time.Nanosecond)
}
