package tenancy

import (
	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
)

// Error is a tenancy decision the KnowledgeBase cannot proceed past. Reason
// is the KnowledgeBase condition reason (an exported constant of
// api/v1alpha1), and Message says what to ask the platform team for, so the
// reconciler can put both into Ready and Stalled unchanged.
type Error struct {
	Reason  string
	Message string
}

// Sentinels for errors.Is: an *Error matches the sentinel of its Reason.
var (
	ErrNoAccountBinding = &Error{Reason: kbv1.NoAccountBindingReason}
	ErrNotGranted       = &Error{Reason: kbv1.NotGrantedReason}
	ErrAccountMismatch  = &Error{Reason: kbv1.AccountMismatchReason}
	ErrNotReady         = &Error{Reason: kbv1.AccountBindingNotReadyReason}
)

func (e *Error) Error() string { return e.Message }

// Is makes errors.Is(err, ErrNotGranted) and the like work on any *Error of
// that reason, whatever its message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Reason == e.Reason
}

// Stalled reports whether the KnowledgeBase cannot proceed until its spec or
// a binding changes (every reason but AccountBindingNotReady, which clears
// by itself once kbwarden has verified the binding).
func (e *Error) Stalled() bool { return e.Reason != kbv1.AccountBindingNotReadyReason }

func newError(reason, format string, args ...any) *Error {
	return &Error{Reason: reason, Message: sprintf(format, args...)}
}
