package bucketpolicy

import (
	"encoding/json"
	"slices"
	"strings"

	awspolicy "github.com/hashicorp/awspolicyequivalence"
)

// Result is what Reconcile decided about a bucket policy.
type Result struct {
	// Policy is the compact policy to write when InSync is false. When
	// InSync is true it is the live policy, unchanged, because nothing needs
	// to be written.
	Policy string
	// InSync says the owned statement already means what is desired, as
	// judged by awspolicyequivalence.
	InSync bool
	// Drift lists, for events and conditions, how the live statement
	// differs from the desired one. It is empty exactly when InSync is true.
	Drift []string
	// StatementHash is the hash of kbwarden's statement as it stands once
	// Policy is in place (Desired.StatementHash). The caller records it,
	// after a successful write or an in-sync pass, as what kbwarden wrote,
	// and hands it to Remove when the KnowledgeBase is deleted.
	StatementHash string

	missing []string
}

// MissingActions returns the desired actions that the live owned statement
// does not grant to the desired principal, in the desired order. Wildcards
// such as s3:* count as granting, because the ingestion step uses this to
// explain an Access Denied ("does not allow bedrock.amazonaws.com
// s3:PutObject") and a wildcard does allow the call. Only the owned
// statement's effect, principal and actions are considered: resources and
// conditions are reported in Drift instead.
func (r Result) MissingActions() []string {
	return slices.Clone(r.missing)
}

// Reconcile merges the statement d declares into live, a bucket's current
// policy ("" when the bucket has none), and says whether a write is needed.
//
// Statements kbwarden does not own and top-level fields other than Version
// and Statement are kept as they are, in order; the owned statement is
// replaced where it stands or appended. On *PolicyTooLargeError the Result
// still carries Drift and MissingActions so the caller can report them.
//
// A live statement with kbwarden's Sid is adopted only when it is an Allow
// for the same kind of principal as d's (see notOwnedBecause); otherwise the
// error is a *StatementNotOwnedError and nothing is merged.
func Reconcile(live string, d Desired) (Result, error) {
	if err := d.validate(); err != nil {
		return Result{}, err
	}
	want := d.Statement()
	wantJSON, err := marshalCompact(want)
	if err != nil {
		return Result{}, err
	}

	doc := &document{}
	if strings.TrimSpace(live) != "" {
		if doc, err = parseDocument(live); err != nil {
			return Result{}, err
		}
	}
	idx, err := doc.find(d.StatementID)
	if err != nil {
		return Result{}, err
	}

	var res Result
	if idx < 0 {
		res.Drift = []string{prefix(d.StatementID) + "is missing"}
		res.missing = slices.Clone(want.Action)
		doc.statements = append(doc.statements, wantJSON)
	} else {
		owned := doc.statements[idx]
		if differs := notOwnedBecause(owned, want); len(differs) > 0 {
			return Result{}, &StatementNotOwnedError{Sid: d.StatementID, Differs: differs}
		}
		res.missing = missingActions(owned, want)
		if equivalent(owned, wantJSON) {
			return Result{Policy: live, InSync: true, missing: res.missing, StatementHash: d.StatementHash()}, nil
		}
		res.Drift = diffStatement(owned, want)
		if len(res.Drift) == 0 {
			// The semantic comparison is the authority; an explanation that
			// finds nothing must not turn its verdict into "in sync".
			res.Drift = []string{prefix(d.StatementID) + "differs from the desired statement in a way the field comparison does not show (for example duplicate entries)"}
		}
		doc.statements[idx] = wantJSON
	}

	// A policy kbwarden creates gets the current language version. An
	// existing policy keeps whatever Version it has, or has not, because the
	// version changes how other statements' policy variables are read.
	if doc.version == nil && len(doc.statements) == 1 {
		doc.version, _ = marshalCompact(policyVersion)
	}
	res.StatementHash = d.StatementHash()
	out := doc.render()
	if len(out) > MaxPolicySize {
		return res, &PolicyTooLargeError{Size: len(out), Limit: MaxPolicySize}
	}
	res.Policy = string(out)
	return res, nil
}

// Remove deletes kbwarden's statement, the one whose Sid is sid, from live,
// for a KnowledgeBase with deletionPolicy Delete, but only while it is still
// the statement kbwarden recorded writing: recorded is the StatementHash the
// caller kept (Result.StatementHash). A statement that changed since, or
// one kbwarden has no record of (recorded empty), may hold someone else's
// grant now; it is left, and the error is a *StatementNotOwnedError, which
// the caller reports and treats as done (retrying cannot change it).
//
// Every other statement and field is kept. deleteWholePolicy is true, and
// policy empty, only when kbwarden's statement is the only statement the
// live policy holds, because S3 refuses a policy without statements: the
// caller must call DeleteBucketPolicy instead. changed is false when there
// was nothing to remove, in which case policy is live unchanged.
func Remove(live, sid, recorded string) (policy string, deleteWholePolicy bool, changed bool, err error) {
	if sid == "" {
		return "", false, false, &InvalidDesiredError{Reason: "statement ID is empty"}
	}
	if strings.TrimSpace(live) == "" {
		return live, false, false, nil
	}
	doc, err := parseDocument(live)
	if err != nil {
		return "", false, false, err
	}
	idx, err := doc.find(sid)
	if err != nil {
		return "", false, false, err
	}
	if idx < 0 {
		return live, false, false, nil
	}
	switch got, err := StatementHash(doc.statements[idx]); {
	case err != nil:
		return "", false, false, err
	case recorded == "":
		return live, false, false, &StatementNotOwnedError{Sid: sid, Differs: []string{"kbwarden has no record of writing it"}}
	case got != recorded:
		return live, false, false, &StatementNotOwnedError{Sid: sid, Differs: []string{"it changed since kbwarden wrote it"}}
	}
	doc.statements = slices.Delete(doc.statements, idx, idx+1)
	if len(doc.statements) == 0 {
		return "", true, true, nil
	}
	return string(doc.render()), false, true, nil
}

// equivalent reports whether the owned statement means the same as the
// desired one. Both are wrapped in the same minimal policy so that only the
// statements are compared, not the rest of the live document. An owned
// statement awspolicyequivalence cannot even parse (a Condition that is a
// string, say) is simply not equivalent: kbwarden owns it and rewrites it.
func equivalent(owned, want json.RawMessage) bool {
	wrap := func(s json.RawMessage) string {
		return `{"Version":"` + policyVersion + `","Statement":[` + string(s) + `]}`
	}
	eq, err := awspolicy.PoliciesAreEquivalent(wrap(owned), wrap(want))
	return err == nil && eq
}

// prefix starts every drift message, so each names the statement it is
// about.
func prefix(sid string) string {
	return "bucket policy statement " + sid + " "
}
