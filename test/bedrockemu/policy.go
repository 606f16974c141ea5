package bedrockemu

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Policy is a parsed resource-based policy (an S3 bucket policy or an S3
// Vectors vector bucket policy). The emulator has its own parser and
// evaluator, deliberately independent of the controller's policy code, so
// the two check each other instead of sharing a bug.
type Policy struct {
	// Version and ID are the policy's Version and Id elements, kept only so
	// a parsed policy can be rendered back.
	Version string
	ID      string
	// Statements are in document order; order does not affect evaluation.
	Statements []Statement
}

// Effect is Allow or Deny.
type Effect string

// The two effects a statement can have.
const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// Statement is one policy statement. Exactly one of Actions/NotActions and
// at most one of Resources/NotResources and Principal/NotPrincipal is set.
type Statement struct {
	// Sid is the optional statement ID.
	Sid string
	// Effect is Allow or Deny.
	Effect Effect
	// Principal or NotPrincipal is who the statement is about; nil when
	// absent.
	Principal    *Principal
	NotPrincipal *Principal
	// Actions or NotActions (whichever is non-nil) list action patterns.
	Actions    []string
	NotActions []string
	// Resources or NotResources list ARN patterns.
	Resources    []string
	NotResources []string
	// HasResource records that Resource or NotResource was present, since
	// an empty list and a missing element evaluate differently.
	HasResource bool
	// Conditions are sorted by operator then key, for stable output.
	Conditions []Condition
}

// Principal is "*" (Any) or a map from principal type ("AWS", "Service",
// "Federated", "CanonicalUser") to identifiers.
type Principal struct {
	// Any is set for the string "*".
	Any bool
	// IDs maps each principal type present to its identifiers.
	IDs map[string][]string
}

// Condition is one operator/key pair of a Condition block, for example
// {Operator: "ArnLike", Key: "aws:SourceArn", Values: [...]}.
type Condition struct {
	// Operator is as written, qualifiers included (ForAnyValue:,
	// ForAllValues:, IfExists).
	Operator string
	// Key is the condition key, compared case-insensitively.
	Key string
	// Values are the policy's values as text; any one may match.
	Values []string
}

// ParsePolicy parses a policy document. It is strict about structure (what
// AWS would reject at PutBucketPolicy is an error here too, since moto
// stores policies verbatim) but does not judge operator names: unknown
// operators are kept, and evaluated fail-closed.
func ParsePolicy(doc string) (*Policy, error) {
	var top map[string]json.RawMessage
	if err := unmarshalStrict([]byte(doc), &top); err != nil {
		return nil, fmt.Errorf("policy is not a JSON object: %w", err)
	}
	p := &Policy{}
	for k, raw := range top {
		var err error
		switch k {
		case "Version":
			err = json.Unmarshal(raw, &p.Version)
		case "Id":
			err = json.Unmarshal(raw, &p.ID)
		case "Statement":
			p.Statements, err = parseStatements(raw)
		default:
			err = errors.New("unknown element")
		}
		if err != nil {
			return nil, fmt.Errorf("policy element %s: %w", k, err)
		}
	}
	if _, ok := top["Statement"]; !ok {
		return nil, errors.New("policy has no Statement")
	}
	return p, nil
}

func unmarshalStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

func parseStatements(raw json.RawMessage) ([]Statement, error) {
	var list []json.RawMessage
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, err
		}
	} else {
		list = []json.RawMessage{raw}
	}
	out := make([]Statement, 0, len(list))
	for i, r := range list {
		st, err := parseStatement(r)
		if err != nil {
			return nil, fmt.Errorf("statement %d: %w", i, err)
		}
		out = append(out, st)
	}
	return out, nil
}

func parseStatement(raw json.RawMessage) (Statement, error) {
	var m map[string]json.RawMessage
	var st Statement
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return st, errors.New("a statement must be a JSON object")
	}
	for k, v := range m {
		var err error
		switch k {
		case "Sid":
			err = json.Unmarshal(v, &st.Sid)
		case "Effect":
			err = json.Unmarshal(v, &st.Effect)
		case "Principal":
			st.Principal, err = parsePrincipal(v)
		case "NotPrincipal":
			st.NotPrincipal, err = parsePrincipal(v)
		case "Action":
			st.Actions, err = stringOrList(v)
		case "NotAction":
			st.NotActions, err = stringOrList(v)
		case "Resource":
			st.Resources, err = stringOrList(v)
			st.HasResource = true
		case "NotResource":
			st.NotResources, err = stringOrList(v)
			st.HasResource = true
		case "Condition":
			st.Conditions, err = parseConditions(v)
		default:
			err = errors.New("unknown element")
		}
		if err != nil {
			return st, fmt.Errorf("%s: %w", k, err)
		}
	}
	_, hasAction := m["Action"]
	_, hasNotAction := m["NotAction"]
	_, hasResource := m["Resource"]
	_, hasNotResource := m["NotResource"]
	switch {
	case st.Effect != Allow && st.Effect != Deny:
		return st, fmt.Errorf("Effect must be Allow or Deny, not %q", st.Effect)
	case hasAction == hasNotAction:
		return st, errors.New("exactly one of Action and NotAction is required")
	case hasResource && hasNotResource:
		return st, errors.New("Resource and NotResource are exclusive")
	case st.Principal != nil && st.NotPrincipal != nil:
		return st, errors.New("Principal and NotPrincipal are exclusive")
	}
	return st, nil
}

func parsePrincipal(raw json.RawMessage) (*Principal, error) {
	var s string
	if !isNull(raw) && json.Unmarshal(raw, &s) == nil {
		if s != "*" {
			return nil, fmt.Errorf("a string principal must be \"*\", not %q", s)
		}
		return &Principal{Any: true}, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, errors.New(`must be "*" or an object`)
	}
	p := &Principal{IDs: map[string][]string{}}
	for k, v := range m {
		switch k {
		case "AWS", "Service", "Federated", "CanonicalUser":
		default:
			return nil, fmt.Errorf("unknown principal type %q", k)
		}
		ids, err := stringOrList(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		p.IDs[k] = ids
	}
	return p, nil
}

// stringOrList reads the policy grammar's "string or array of strings".
func stringOrList(raw json.RawMessage) ([]string, error) {
	var s string
	if isNull(raw) {
		return nil, errors.New("must not be null")
	}
	if json.Unmarshal(raw, &s) == nil {
		return []string{s}, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil || list == nil {
		return nil, errors.New("must be a string or an array of strings")
	}
	return list, nil
}

// isNull reports a JSON null, which json.Unmarshal would silently turn into
// a zero value.
func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }
