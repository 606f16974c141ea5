package controllers

import (
	"errors"
	"fmt"
	"time"
)

// StallingError is a terminal error: kbwarden cannot make progress until the
// spec (or the environment) changes, so the KnowledgeBase is marked Stalled
// and the error is not retried.
type StallingError struct {
	// Reason is the condition reason, a constant of api/v1alpha1.
	Reason string
	Err    error
	// RetryAfter, when set, looks again after this long even though the
	// spec did not change: for faults someone may fix outside Kubernetes
	// (an IAM permission, a hand-edited bucket policy).
	RetryAfter time.Duration
}

func (e *StallingError) Error() string { return e.Err.Error() }
func (e *StallingError) Unwrap() error { return e.Err }

// WaitingError means kbwarden must wait for something outside its control
// (a running ingestion job, a debounce window) and looks again after RequeueAfter.
// It is not a failure: the KnowledgeBase stays Reconciling.
type WaitingError struct {
	Reason       string
	Err          error
	RequeueAfter time.Duration
	// Metered says the wait is for an account's ingestion quota (a
	// running job's end, a start slot): the next look goes ahead of
	// routine passes in the work queue, so the quota does not idle while
	// the queue is long (after a restart, or a thousand KnowledgeBases
	// applied at once).
	Metered bool
}

func (e *WaitingError) Error() string { return e.Err.Error() }
func (e *WaitingError) Unwrap() error { return e.Err }

// TransientError is a failure that may pass (throttling, a 5xx, a network
// error). It is returned to controller-runtime, which retries with backoff.
type TransientError struct {
	Reason string
	Err    error
}

func (e *TransientError) Error() string { return e.Err.Error() }
func (e *TransientError) Unwrap() error { return e.Err }

// stalling, waiting and transient build the typed errors with a formatted message.
func stalling(reason, format string, args ...any) error {
	return &StallingError{Reason: reason, Err: fmt.Errorf(format, args...)}
}

func waiting(reason string, after time.Duration, format string, args ...any) error {
	return &WaitingError{Reason: reason, RequeueAfter: after, Err: fmt.Errorf(format, args...)}
}

// waitingMetered is waiting for a wait on an account's ingestion quota.
func waitingMetered(reason string, after time.Duration, format string, args ...any) error {
	return &WaitingError{Reason: reason, RequeueAfter: after, Err: fmt.Errorf(format, args...), Metered: true}
}

func transient(reason, format string, args ...any) error {
	return &TransientError{Reason: reason, Err: fmt.Errorf(format, args...)}
}

// reasonOf returns the condition reason carried by a typed error, or fallback.
func reasonOf(err error, fallback string) string {
	var s *StallingError
	var w *WaitingError
	var t *TransientError
	switch {
	case errors.As(err, &s):
		return s.Reason
	case errors.As(err, &w):
		return w.Reason
	case errors.As(err, &t):
		return t.Reason
	}
	return fallback
}

// isMetered says err is a wait on an account's ingestion quota.
func isMetered(err error) bool {
	var w *WaitingError
	return errors.As(err, &w) && w.Metered
}

// requeueAfterOf returns how long a WaitingError asks to wait, or 0.
func requeueAfterOf(err error) time.Duration {
	var w *WaitingError
	if errors.As(err, &w) {
		return w.RequeueAfter
	}
	return 0
}
