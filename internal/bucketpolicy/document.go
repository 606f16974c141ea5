package bucketpolicy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// policyVersion is the current IAM policy language version, written when
// kbwarden creates a policy from nothing.
const policyVersion = "2012-10-17"

// field is one top-level member of a policy other than Version and
// Statement, kept raw so that it is written back unchanged.
type field struct {
	key   string
	value json.RawMessage
}

// document is a live policy split into the parts kbwarden must keep (every
// field and statement it does not own, raw and in order) and the list in
// which it replaces, appends or removes its own statement.
type document struct {
	version    json.RawMessage // nil when the live policy has no Version
	fields     []field
	statements []json.RawMessage
}

// parseDocument splits live into a document. It reads the top level token
// by token rather than into a map so that the order of the fields others
// wrote survives, and so that a duplicated top-level key, whose meaning to
// AWS is unclear, is refused instead of silently resolved.
func parseDocument(live string) (*document, error) {
	if !json.Valid([]byte(live)) {
		return nil, &MalformedPolicyError{Reason: "not valid JSON"}
	}
	dec := json.NewDecoder(strings.NewReader(live))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, &MalformedPolicyError{Reason: "not a JSON object"}
	}
	doc := &document{}
	seen := map[string]bool{}
	var statement json.RawMessage
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, &MalformedPolicyError{Reason: err.Error()}
		}
		key, _ := tok.(string)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, &MalformedPolicyError{Reason: err.Error()}
		}
		if seen[key] {
			return nil, &MalformedPolicyError{Reason: fmt.Sprintf("field %q appears more than once", key)}
		}
		seen[key] = true
		switch key {
		case "Version":
			var v string
			if err := json.Unmarshal(value, &v); err != nil {
				return nil, &MalformedPolicyError{Reason: "Version is not a string"}
			}
			doc.version = value
		case "Statement":
			statement = value
		default:
			doc.fields = append(doc.fields, field{key: key, value: value})
		}
	}
	if statement == nil {
		return nil, &MalformedPolicyError{Reason: "Statement is missing"}
	}
	stmts, err := splitStatements(statement)
	if err != nil {
		return nil, err
	}
	doc.statements = stmts
	return doc, nil
}

// splitStatements accepts Statement as an array or, as IAM also allows, as a
// single statement object, and checks that every statement is an object.
func splitStatements(raw json.RawMessage) ([]json.RawMessage, error) {
	var stmts []json.RawMessage
	switch firstByte(raw) {
	case '{':
		stmts = []json.RawMessage{raw}
	case '[':
		if err := json.Unmarshal(raw, &stmts); err != nil {
			return nil, &MalformedPolicyError{Reason: "Statement: " + err.Error()}
		}
	default:
		return nil, &MalformedPolicyError{Reason: "Statement is neither a list nor an object"}
	}
	for i, s := range stmts {
		if firstByte(s) != '{' {
			return nil, &MalformedPolicyError{Reason: fmt.Sprintf("statement %d is not an object", i+1)}
		}
	}
	return stmts, nil
}

// firstByte returns the first non-whitespace byte of raw, or 0.
func firstByte(raw []byte) byte {
	if t := bytes.TrimLeft(raw, " \t\r\n"); len(t) > 0 {
		return t[0]
	}
	return 0
}

// find returns the index of the statement whose Sid is sid, or -1. The Sid
// key is matched exactly, as IAM does; a statement whose Sid is not a
// string cannot be kbwarden's and is left alone.
func (doc *document) find(sid string) (int, error) {
	found := -1
	for i, raw := range doc.statements {
		var members map[string]json.RawMessage
		if err := json.Unmarshal(raw, &members); err != nil {
			return -1, &MalformedPolicyError{Reason: fmt.Sprintf("statement %d: %v", i+1, err)}
		}
		var got string
		if v, ok := members["Sid"]; !ok || json.Unmarshal(v, &got) != nil || got != sid {
			continue
		}
		if found >= 0 {
			return -1, &DuplicateStatementError{Sid: sid}
		}
		found = i
	}
	return found, nil
}

// render writes the document as compact JSON: Version first, then the other
// fields in their original order, then the statements as a list. Raw parts
// are only compacted, never re-encoded, so what others wrote keeps its exact
// meaning (json.Compact does not HTML-escape, unlike json.Marshal).
func (doc *document) render() []byte {
	var buf bytes.Buffer
	buf.WriteByte('{')
	comma := false
	member := func(key string, value []byte) {
		if comma {
			buf.WriteByte(',')
		}
		comma = true
		k, _ := marshalCompact(key)
		buf.Write(k)
		buf.WriteByte(':')
		_ = json.Compact(&buf, value) // value is valid JSON: it was parsed from valid JSON or marshalled
	}
	if doc.version != nil {
		member("Version", doc.version)
	}
	for _, f := range doc.fields {
		member(f.key, f.value)
	}
	if comma {
		buf.WriteByte(',')
	}
	buf.WriteString(`"Statement":[`)
	for i, s := range doc.statements {
		if i > 0 {
			buf.WriteByte(',')
		}
		_ = json.Compact(&buf, s)
	}
	buf.WriteString("]}")
	return buf.Bytes()
}
