package bucketpolicy

import (
	"bytes"
	"encoding/json"
	"strings"
)

// BedrockServicePrincipal is the service principal Amazon Bedrock uses when
// a knowledge base reads documents and writes vectors, as in the runbook's
// corrected policy.
const BedrockServicePrincipal = "bedrock.amazonaws.com"

// Principal names who the owned statement grants access to. Exactly one
// field must be set: a service principal is the runbook's fix, a role ARN
// is for setups where Bedrock acts through the knowledge base's role.
type Principal struct {
	// Service is a service principal such as bedrock.amazonaws.com.
	Service string
	// RoleARN is an IAM role ARN, written as an "AWS" principal.
	RoleARN string
}

// Desired is everything kbwarden declares about its statement. It is built
// from the KnowledgeBaseGuard spec by the caller; this package only turns
// it into policy JSON and compares it with what the bucket holds.
type Desired struct {
	// StatementID is the Sid that marks the statement as kbwarden's.
	StatementID string
	// Principal is who is granted access.
	Principal Principal
	// Actions are the granted actions, for example DefaultS3Actions().
	Actions []string
	// Resources are the bucket ARNs, for example S3Resources(...).
	Resources []string
	// SourceAccount, when set, becomes a StringEquals aws:SourceAccount
	// condition so that no other account's Bedrock can use the grant
	// (the confused-deputy guard). AWS sets aws:SourceAccount and
	// aws:SourceArn only when a service principal makes the request, so
	// with a RoleARN principal both should normally stay empty: a
	// condition on a key the request lacks never matches, and the grant
	// would allow nothing.
	SourceAccount string
	// SourceArn, when set, becomes an ArnLike aws:SourceArn condition so
	// that only the named knowledge bases can use the grant.
	SourceArn string
}

// Statement is the JSON form of kbwarden's statement. Its field order is
// the order of the runbook's corrected policy, so a human comparing the two
// sees the same layout.
type Statement struct {
	// Sid marks the statement as kbwarden's.
	Sid string `json:"Sid"`
	// Effect is always Allow: kbwarden grants, it never denies.
	Effect string `json:"Effect"`
	// Principal has one entry, "Service" or "AWS".
	Principal map[string]string `json:"Principal"`
	// Action is always a list, even of one, so the JSON shape is stable.
	Action []string `json:"Action"`
	// Resource is always a list, for the same reason.
	Resource []string `json:"Resource"`
	// Condition is omitted when Desired sets no source condition.
	Condition *Condition `json:"Condition,omitempty"`
}

// Condition is the condition block kbwarden writes. Only the operators it
// uses exist here, in the runbook's order.
type Condition struct {
	// StringEquals holds aws:SourceAccount.
	StringEquals map[string]string `json:"StringEquals,omitempty"`
	// ArnLike holds aws:SourceArn; ArnLike because the value may end in *.
	ArnLike map[string]string `json:"ArnLike,omitempty"`
}

// Statement builds the statement d declares. Duplicate actions (compared
// case-insensitively, as IAM does) and duplicate resources are dropped,
// keeping the first, because awspolicyequivalence counts duplicates and a
// policy AWS stores deduplicated would otherwise never look in sync.
func (d Desired) Statement() Statement {
	s := Statement{
		Sid:      d.StatementID,
		Effect:   "Allow",
		Action:   dedupe(d.Actions, strings.ToLower),
		Resource: dedupe(d.Resources, func(s string) string { return s }),
	}
	if d.Principal.Service != "" {
		s.Principal = map[string]string{"Service": d.Principal.Service}
	} else {
		s.Principal = map[string]string{"AWS": d.Principal.RoleARN}
	}
	if d.SourceAccount != "" || d.SourceArn != "" {
		s.Condition = &Condition{}
		if d.SourceAccount != "" {
			s.Condition.StringEquals = map[string]string{"aws:SourceAccount": d.SourceAccount}
		}
		if d.SourceArn != "" {
			s.Condition.ArnLike = map[string]string{"aws:SourceArn": d.SourceArn}
		}
	}
	return s
}

// validate rejects a Desired that would produce a statement S3 refuses or
// one that grants something other than what the spec means.
func (d Desired) validate() error {
	switch {
	case d.StatementID == "":
		return &InvalidDesiredError{Reason: "statement ID is empty"}
	case (d.Principal.Service == "") == (d.Principal.RoleARN == ""):
		return &InvalidDesiredError{Reason: "exactly one of principal service and role ARN must be set"}
	case len(d.Actions) == 0:
		return &InvalidDesiredError{Reason: "no actions"}
	case len(d.Resources) == 0:
		return &InvalidDesiredError{Reason: "no resources"}
	}
	for _, a := range d.Actions {
		if a == "" {
			return &InvalidDesiredError{Reason: "an action is empty"}
		}
	}
	for _, r := range d.Resources {
		if r == "" {
			return &InvalidDesiredError{Reason: "a resource is empty"}
		}
	}
	return nil
}

// marshalCompact encodes v as compact JSON without HTML escaping, because
// S3 stores what it is sent and "\u003c" where a user wrote "<" only makes
// the policy harder to read.
func marshalCompact(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// dedupe returns in without later entries whose key repeats an earlier one.
func dedupe(in []string, key func(string) string) []string {
	seen := make(map[string]bool, len(in))
	out := make([]string, 0, len(in))
	for _, s := range in {
		if k := key(s); !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	return out
}
