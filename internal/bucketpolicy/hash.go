package bucketpolicy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
)

// hashVersion starts every hashed form, so a change of the canonical form
// below is a new version rather than a silent change of every recorded hash.
const hashVersion = "kbwarden-statement-v1"

// StatementHash returns a stable hash of the statement d declares: the hash
// the caller records (in status) as "the statement kbwarden wrote", and
// later passes to Remove. It equals StatementHash of any statement that
// means the same, however AWS reformats it.
func (d Desired) StatementHash() string {
	raw, _ := marshalCompact(d.Statement()) // a Statement always encodes
	h, _ := StatementHash(raw)
	return h
}

// StatementHash returns a hex SHA-256 over the canonical form of one policy
// statement (a JSON object). The form is semantic, so a statement AWS hands
// back reformatted hashes the same as the one kbwarden wrote: single
// strings and one-element lists are the same, lists are sets (sorted, no
// duplicates), actions and condition keys ignore case as IAM does, "*" is
// {"AWS": "*"}, and member order and whitespace do not count. Every member
// counts, unknown ones included (compacted), so any change of meaning
// changes the hash. It fails only when stmt is not a JSON object.
func StatementHash(stmt json.RawMessage) (string, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(stmt, &members); err != nil || members == nil {
		return "", &MalformedPolicyError{Reason: "a statement is not a JSON object"}
	}
	canon := map[string]any{}
	for k, raw := range members {
		var v any
		_ = json.Unmarshal(raw, &v) // raw came from a valid object
		canon[k] = canonicalMember(k, v, raw)
	}
	data, _ := json.Marshal(canon) // maps encode with sorted keys
	sum := sha256.Sum256(append([]byte(hashVersion+"\n"), data...))
	return hex.EncodeToString(sum[:]), nil
}

// canonicalMember normalises one statement member; a member of an
// unexpected shape is kept as its compact JSON.
func canonicalMember(key string, v any, raw json.RawMessage) any {
	switch key {
	case "Effect":
		if s, ok := v.(string); ok {
			return strings.ToLower(s)
		}
	case "Action", "NotAction":
		if vals, ok := stringsOf(v); ok {
			return set(vals, strings.ToLower)
		}
	case "Resource", "NotResource":
		if vals, ok := stringsOf(v); ok {
			return set(vals, nil)
		}
	case "Principal", "NotPrincipal":
		if m, star, ok := principalOf(v); ok {
			if m == nil {
				m = map[string][]string{"AWS": {star}}
			}
			out := map[string][]string{}
			for k, vals := range m {
				out[k] = set(vals, nil)
			}
			return out
		}
	case "Condition":
		if conds, ok := conditionsOf(v); ok {
			out := map[string]map[string][]string{}
			for _, c := range conds {
				if out[c.op] == nil {
					out[c.op] = map[string][]string{}
				}
				k := strings.ToLower(c.key)
				out[c.op][k] = set(append(out[c.op][k], c.vals...), nil)
			}
			return out
		}
	}
	var buf bytes.Buffer
	_ = json.Compact(&buf, raw)
	return json.RawMessage(buf.Bytes())
}

// set returns vals mapped by norm (when set), sorted, without duplicates.
func set(vals []string, norm func(string) string) []string {
	out := make([]string, 0, len(vals))
	for _, v := range vals {
		if norm != nil {
			v = norm(v)
		}
		out = append(out, v)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
