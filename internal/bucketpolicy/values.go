package bucketpolicy

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// stringsOf reads a policy element that IAM allows to be one string or a
// list of strings. Booleans and numbers are turned into text the way
// awspolicyequivalence does, so that condition values such as false compare
// as it would. ok is false when v has some other shape; absent (nil) is an
// empty, valid list.
func stringsOf(v any) (vals []string, ok bool) {
	scalar := func(v any) (string, bool) {
		switch v := v.(type) {
		case string:
			return v, true
		case bool:
			return strconv.FormatBool(v), true
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64), true
		}
		return "", false
	}
	switch v := v.(type) {
	case nil:
		return nil, true
	case []any:
		for _, e := range v {
			s, ok := scalar(e)
			if !ok {
				return nil, false
			}
			vals = append(vals, s)
		}
		return vals, true
	default:
		s, ok := scalar(v)
		if !ok {
			return nil, false
		}
		return []string{s}, true
	}
}

// principalOf reads a Principal element into a map from principal type
// ("AWS", "Service"...) to its values. A bare string ("*") is returned as
// star. ok is false for any other shape.
func principalOf(v any) (m map[string][]string, star string, ok bool) {
	switch v := v.(type) {
	case string:
		return nil, v, true
	case map[string]any:
		m = map[string][]string{}
		for k, raw := range v {
			vals, ok := stringsOf(raw)
			if !ok {
				return nil, "", false
			}
			if len(vals) > 0 {
				m[k] = vals
			}
		}
		return m, "", true
	}
	return nil, "", false
}

// formatPrincipal renders a principal for a drift message, in the brace
// form operators recognise from the console ("{AWS: arn:...}").
func formatPrincipal(v any) string {
	if v == nil {
		return "missing"
	}
	m, star, ok := principalOf(v)
	if !ok {
		b, _ := json.Marshal(v)
		return string(b)
	}
	if m == nil {
		return star
	}
	parts := make([]string, 0, len(m))
	for _, k := range sortedKeys(m) {
		parts = append(parts, k+": "+formatValues(m[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// formatValues renders one value plainly and several as a list.
func formatValues(vals []string) string {
	if len(vals) == 1 {
		return vals[0]
	}
	return "[" + strings.Join(vals, ", ") + "]"
}

// sameSet reports whether a and b hold the same strings, ignoring order and
// repetition; repetition is reported separately.
func sameSet(a, b []string) bool {
	in := func(s string, list []string) bool {
		for _, e := range list {
			if e == s {
				return true
			}
		}
		return false
	}
	for _, s := range a {
		if !in(s, b) {
			return false
		}
	}
	for _, s := range b {
		if !in(s, a) {
			return false
		}
	}
	return true
}

// sortedKeys returns a map's keys in order, so that messages built from
// maps come out the same on every run.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
