package bedrockemu

import (
	"slices"
	"strings"
)

// Request is one access to check against a resource-based policy: who
// (PrincipalType "Service" or "AWS", and its identifier), what, on which
// resource, with which condition keys (looked up case-insensitively, as
// IAM does).
type Request struct {
	// PrincipalType is "Service" or "AWS"; Principal is the service name
	// or the ARN.
	PrincipalType string
	Principal     string
	// Action is the action asked for, for example s3:PutObject.
	Action string
	// Resource is the ARN acted on.
	Resource string
	// Context holds the condition keys and their values.
	Context map[string][]string
}

// Decision is the outcome of evaluating a policy.
type Decision int

// The three outcomes: no statement allows (the default), a statement
// allows, or a statement denies (which wins over any allow).
const (
	ImplicitDeny Decision = iota
	Allowed
	ExplicitDeny
)

// String names the decision.
func (d Decision) String() string {
	return [...]string{"ImplicitDeny", "Allowed", "ExplicitDeny"}[d]
}

// Evaluate applies the policy to r: an explicit Deny wins, else any Allow
// allows, else access is implicitly denied. What the evaluator does not
// understand (an unknown condition operator, a statement without
// Principal or Resource) fails closed: such an Allow grants nothing and
// such a Deny applies.
func (p *Policy) Evaluate(r Request) Decision {
	ctx := make(map[string][]string, len(r.Context))
	for k, v := range r.Context {
		ctx[strings.ToLower(k)] = v
	}
	allowed := false
	for i := range p.Statements {
		st := &p.Statements[i]
		if !st.applies(r, ctx) {
			continue
		}
		if st.Effect == Deny {
			return ExplicitDeny
		}
		allowed = true
	}
	if allowed {
		return Allowed
	}
	return ImplicitDeny
}

func (st *Statement) applies(r Request, ctx map[string][]string) bool {
	failClosed := st.Effect == Deny
	switch {
	case st.Principal != nil:
		if !st.Principal.matches(r) {
			return false
		}
	case st.NotPrincipal != nil:
		if st.NotPrincipal.matches(r) {
			return false
		}
	default:
		if !failClosed {
			return false
		}
	}
	if st.NotActions != nil {
		if anyMatch(st.NotActions, r.Action, true) {
			return false
		}
	} else if !anyMatch(st.Actions, r.Action, true) {
		return false
	}
	switch {
	case !st.HasResource:
		if !failClosed {
			return false
		}
	case st.NotResources != nil:
		if anyMatch(st.NotResources, r.Resource, false) {
			return false
		}
	case !anyMatch(st.Resources, r.Resource, false):
		return false
	}
	for _, c := range st.Conditions {
		holds, known := c.holds(ctx)
		if !known {
			holds = failClosed
		}
		if !holds {
			return false
		}
	}
	return true
}

// matches: "*" and {"AWS": "*"} mean everyone (AWS documents them as
// equivalent); otherwise the request's principal must be listed under its
// type. Service names compare case-insensitively.
func (p *Principal) matches(r Request) bool {
	if p.Any || slices.Contains(p.IDs["AWS"], "*") {
		return true
	}
	for _, id := range p.IDs[r.PrincipalType] {
		if id == r.Principal || (r.PrincipalType == "Service" && strings.EqualFold(id, r.Principal)) {
			return true
		}
	}
	return false
}

func anyMatch(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if wildcardMatch(p, s, fold) {
			return true
		}
	}
	return false
}

// wildcardMatch matches s against a pattern where * is any run of
// characters and ? exactly one, in linear-ish time (no recursion, so a
// hostile pattern cannot blow the stack).
func wildcardMatch(pattern, s string, fold bool) bool {
	if fold {
		pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	}
	pr, sr := []rune(pattern), []rune(s)
	p, i, star, mark := 0, 0, -1, 0
	for i < len(sr) {
		switch {
		case p < len(pr) && (pr[p] == '?' || pr[p] == sr[i]):
			p, i = p+1, i+1
		case p < len(pr) && pr[p] == '*':
			star, mark, p = p, i, p+1
		case star >= 0:
			mark++
			p, i = star+1, mark
		default:
			return false
		}
	}
	for p < len(pr) && pr[p] == '*' {
		p++
	}
	return p == len(pr)
}

// arnMatch compares the six colon-separated parts of two ARNs separately,
// each with wildcards, as ArnLike and ArnEquals do.
func arnMatch(pattern, arn string) bool {
	pp, ap := strings.SplitN(pattern, ":", 6), strings.SplitN(arn, ":", 6)
	if len(pp) != 6 || len(ap) != 6 {
		return false
	}
	for i := range pp {
		if !wildcardMatch(pp[i], ap[i], false) {
			return false
		}
	}
	return true
}
