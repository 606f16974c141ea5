package controllers

import (
	"fmt"
)

// TenancyMode is the manager's --tenancy: whether a KnowledgeBase needs an
// AccountBinding before kbwarden acts for it.
type TenancyMode string

const (
	// TenancyRequired (the default): a KnowledgeBase acts only through a
	// Ready AccountBinding that selects its namespace, and only on what the
	// binding grants; anything else stalls before any AWS call
	// (NoAccountBinding, NotGranted, AccountMismatch).
	TenancyRequired TenancyMode = "Required"
	// TenancyOptional keeps the single-team behaviour: kbwarden acts with
	// its own identity, bounded only by --allowed-buckets.
	TenancyOptional TenancyMode = "Optional"
)

// ParseTenancyMode reads the --tenancy flag.
func ParseTenancyMode(s string) (TenancyMode, error) {
	switch m := TenancyMode(s); m {
	case TenancyRequired, TenancyOptional:
		return m, nil
	}
	return "", fmt.Errorf("--tenancy must be Required or Optional, not %q", s)
}

// TenancyOptions are the manager's tenancy settings, for the KnowledgeBase
// reconciler's preconditions step.
type TenancyOptions struct {
	// Mode is Required or Optional; the zero value means Required.
	Mode TenancyMode
	// AllowedBuckets bounds what any KnowledgeBase may name, whatever the
	// mode (in Optional mode it is the only bound).
	AllowedBuckets BucketAllowList
}

// Required reports whether KnowledgeBases need an AccountBinding.
func (o TenancyOptions) Required() bool { return o.Mode.Required() }

// Required reports whether the mode needs an AccountBinding; the zero
// value does.
func (m TenancyMode) Required() bool { return m != TenancyOptional }

// Warnings are what the manager should warn about at start: Optional mode
// with an empty allow-list lets any namespace make kbwarden act on any
// bucket its own role reaches.
func (o TenancyOptions) Warnings() []string {
	if !o.Required() && len(o.AllowedBuckets) == 0 {
		return []string{"--tenancy=Optional with an empty --allowed-buckets: any namespace that can create a KnowledgeBase can make kbwarden act, with its own AWS role, on every bucket that role reaches; set --allowed-buckets, or use --tenancy=Required with AccountBindings"}
	}
	return nil
}
