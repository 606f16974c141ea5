package bucketpolicy

import (
	"encoding/json"
	"fmt"
	"strings"
)

// diffStatement explains how the live owned statement differs from want,
// one human-readable message per difference. It only explains: whether the
// statement is in sync is decided by awspolicyequivalence. Actions are
// compared case-insensitively, as IAM matches them, but a difference in
// case alone is still reported because awspolicyequivalence counts it.
func diffStatement(raw json.RawMessage, want Statement) []string {
	var live map[string]any
	if err := json.Unmarshal(raw, &live); err != nil {
		return []string{prefix(want.Sid) + "cannot be read: " + err.Error()}
	}
	var out []string
	add := func(format string, args ...any) {
		out = append(out, prefix(want.Sid)+fmt.Sprintf(format, args...))
	}

	if eff, _ := live["Effect"].(string); !strings.EqualFold(eff, want.Effect) {
		add("effect is %s, want %s", describe(live["Effect"]), want.Effect)
	}
	if !principalMatches(live["Principal"], want.Principal) {
		add("principal is %s, want %s", formatPrincipal(live["Principal"]), formatPrincipal(anyPrincipal(want.Principal)))
	}
	for _, k := range []string{"NotPrincipal", "NotAction", "NotResource"} {
		if _, ok := live[k]; ok {
			add("has %s, which kbwarden does not write", k)
		}
	}
	for _, m := range diffList(live["Action"], want.Action, "action", true) {
		add("%s", m)
	}
	for _, m := range diffList(live["Resource"], want.Resource, "resource", false) {
		add("%s", m)
	}
	for _, m := range diffConditions(live["Condition"], want.Condition) {
		add("%s", m)
	}
	return out
}

// diffList compares an Action or Resource element with the wanted list.
// Actions are matched ignoring case; resources (ARNs) exactly.
func diffList(v any, want []string, noun string, foldCase bool) []string {
	live, ok := stringsOf(v)
	if !ok {
		return []string{fmt.Sprintf("%s is not a string or list of strings", noun)}
	}
	same := func(a, b string) bool { return a == b || foldCase && strings.EqualFold(a, b) }
	find := func(s string, list []string) (string, bool) {
		for _, e := range list {
			if same(s, e) {
				return e, true
			}
		}
		return "", false
	}
	var out []string
	for _, w := range want {
		got, ok := find(w, live)
		switch {
		case !ok && noun == "action":
			out = append(out, "lacks "+w)
		case !ok:
			out = append(out, fmt.Sprintf("%s %s is missing", noun, w))
		case got != w:
			out = append(out, fmt.Sprintf("has %s %s, want %s", noun, got, w))
		}
	}
	for i, l := range live {
		if _, ok := find(l, want); !ok {
			out = append(out, fmt.Sprintf("has extra %s %s", noun, l))
		}
		if _, dup := find(l, live[:i]); dup {
			out = append(out, fmt.Sprintf("lists %s %s more than once", noun, l))
		}
	}
	return out
}

// principalMatches reports whether the live Principal names exactly the
// wanted principal and nothing else.
func principalMatches(v any, want map[string]string) bool {
	m, _, ok := principalOf(v)
	if !ok || len(m) != 1 {
		return false
	}
	key, val := principalKV(want)
	return sameSet(m[key], []string{val})
}

// principalKV returns the one principal type and value of a Statement's
// Principal, which Desired.Statement always builds with a single entry.
func principalKV(p map[string]string) (key, val string) {
	for k, v := range p {
		return k, v
	}
	return "", ""
}

// anyPrincipal returns want in the shape encoding/json gives a parsed
// Principal, so it can be formatted like a live one.
func anyPrincipal(want map[string]string) map[string]any {
	key, val := principalKV(want)
	return map[string]any{key: val}
}

// condition is one operator and key of a Condition block with its values.
type condition struct {
	op, key string
	vals    []string
}

// diffConditions compares a Condition element with the wanted block.
// Condition keys are matched ignoring case, as IAM does; operators exactly.
func diffConditions(v any, want *Condition) []string {
	live, ok := conditionsOf(v)
	if !ok {
		return []string{"condition block is not an object of operators and keys"}
	}
	var wanted []condition
	if want != nil {
		for _, op := range []string{"StringEquals", "ArnLike"} {
			block := want.StringEquals
			if op == "ArnLike" {
				block = want.ArnLike
			}
			for _, k := range sortedKeys(block) {
				wanted = append(wanted, condition{op: op, key: k, vals: []string{block[k]}})
			}
		}
	}
	var out []string
	used := make([]bool, len(live))
	for _, w := range wanted {
		match, other := -1, -1
		for i, l := range live {
			if strings.EqualFold(l.key, w.key) {
				if l.op == w.op {
					match = i
				} else if other < 0 {
					other = i
				}
			}
		}
		switch {
		case match >= 0:
			used[match] = true
			l := live[match]
			if l.key != w.key {
				out = append(out, fmt.Sprintf("has condition key %s, want %s", l.key, w.key))
			}
			if !sameSet(l.vals, w.vals) || len(l.vals) != len(w.vals) {
				out = append(out, fmt.Sprintf("condition %s is %s, want %s", w.key, formatValues(l.vals), formatValues(w.vals)))
			}
		case other >= 0:
			used[other] = true
			out = append(out, fmt.Sprintf("condition %s uses %s, want %s", w.key, live[other].op, w.op))
		default:
			out = append(out, fmt.Sprintf("condition %s %s is missing", w.op, w.key))
		}
	}
	for i, l := range live {
		if !used[i] {
			out = append(out, fmt.Sprintf("has extra condition %s %s", l.op, l.key))
		}
	}
	return out
}

// conditionsOf flattens a live Condition element, sorted by operator and
// key so that messages are deterministic.
func conditionsOf(v any) ([]condition, bool) {
	if v == nil {
		return nil, true
	}
	ops, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	var out []condition
	for _, op := range sortedKeys(ops) {
		keys, ok := ops[op].(map[string]any)
		if !ok {
			return nil, false
		}
		for _, k := range sortedKeys(keys) {
			vals, ok := stringsOf(keys[k])
			if !ok {
				return nil, false
			}
			out = append(out, condition{op: op, key: k, vals: vals})
		}
	}
	return out, true
}

// describe renders any parsed JSON value for a message.
func describe(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if v == nil {
		return "missing"
	}
	b, _ := json.Marshal(v)
	return string(b)
}
