package bedrockemu

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Condition blocks: parsing and evaluation, kept together because the
// operator grammar (qualifiers, IfExists, negation) is shared.

// parseConditions flattens a Condition element into one Condition per
// operator and key, sorted so parsing is deterministic.
func parseConditions(raw json.RawMessage) ([]Condition, error) {
	var ops map[string]map[string]json.RawMessage
	if err := json.Unmarshal(raw, &ops); err != nil || ops == nil {
		return nil, errors.New("must map operators to {key: value(s)}")
	}
	var out []Condition
	for op, keys := range ops {
		if op == "" || keys == nil {
			return nil, fmt.Errorf("operator %q must map keys to values", op)
		}
		for key, v := range keys {
			values, err := conditionValues(v)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", op, key, err)
			}
			out = append(out, Condition{Operator: op, Key: key, Values: values})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Operator != out[j].Operator {
			return out[i].Operator < out[j].Operator
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}

// conditionValues accepts strings, numbers and booleans, alone or in an
// array, and keeps their JSON text ("true", "12") as AWS compares them.
func conditionValues(raw json.RawMessage) ([]string, error) {
	var items []json.RawMessage
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, err
		}
	} else {
		items = []json.RawMessage{raw}
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		var v any
		dec := json.NewDecoder(bytes.NewReader(it))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case json.Number:
			out = append(out, x.String())
		case bool:
			out = append(out, strings.ToLower(fmt.Sprint(x)))
		default:
			return nil, errors.New("values must be strings, numbers or booleans")
		}
	}
	return out, nil
}

// matcher returns how an operator compares a policy value with a request
// value, and whether the operator is a negated one (true when the key is
// absent). ok is false for an operator the evaluator does not know.
func matcher(op string) (match func(policy, value string) bool, negated, ok bool) {
	base, negated := op, false
	for _, pair := range [][2]string{{"StringNot", "String"}, {"ArnNot", "Arn"}, {"NumericNotEquals", "NumericEquals"}, {"NotIpAddress", "IpAddress"}} {
		if strings.HasPrefix(op, pair[0]) {
			base, negated = pair[1]+strings.TrimPrefix(op, pair[0]), true
		}
	}
	num := func(cmp func(a, b float64) bool) func(string, string) bool {
		return func(p, v string) bool {
			a, err1 := strconv.ParseFloat(v, 64)
			b, err2 := strconv.ParseFloat(p, 64)
			return err1 == nil && err2 == nil && cmp(a, b)
		}
	}
	switch base {
	case "StringEquals":
		match = func(p, v string) bool { return p == v }
	case "StringEqualsIgnoreCase":
		match = strings.EqualFold
	case "StringLike":
		match = func(p, v string) bool { return wildcardMatch(p, v, false) }
	case "ArnEquals", "ArnLike":
		match = arnMatch
	case "Bool":
		match = strings.EqualFold
	case "NumericEquals":
		match = num(func(a, b float64) bool { return a == b })
	case "NumericLessThan":
		match = num(func(a, b float64) bool { return a < b })
	case "NumericLessThanEquals":
		match = num(func(a, b float64) bool { return a <= b })
	case "NumericGreaterThan":
		match = num(func(a, b float64) bool { return a > b })
	case "NumericGreaterThanEquals":
		match = num(func(a, b float64) bool { return a >= b })
	case "IpAddress":
		match = ipMatch
	default:
		return nil, false, false
	}
	return match, negated, true
}

func ipMatch(policy, value string) bool {
	addr, err := netip.ParseAddr(value)
	if err != nil {
		return false
	}
	if prefix, err := netip.ParsePrefix(policy); err == nil {
		return prefix.Contains(addr)
	}
	p, err := netip.ParseAddr(policy)
	return err == nil && p == addr
}

// holds evaluates one condition. known is false for an operator the
// evaluator does not implement.
func (c Condition) holds(ctx map[string][]string) (holds, known bool) {
	op, set := c.Operator, ""
	for _, q := range []string{"ForAnyValue:", "ForAllValues:"} {
		if strings.HasPrefix(op, q) {
			op, set = strings.TrimPrefix(op, q), q
		}
	}
	values, present := ctx[strings.ToLower(c.Key)]
	present = present && len(values) > 0
	if op == "Null" {
		if set != "" {
			return false, false
		}
		for _, want := range c.Values {
			if (want == "true" && !present) || (want == "false" && present) {
				return true, true
			}
		}
		return false, true
	}
	ifExists := strings.HasSuffix(op, "IfExists")
	match, negated, ok := matcher(strings.TrimSuffix(op, "IfExists"))
	if !ok {
		return false, false
	}
	if !present {
		switch {
		case ifExists, set == "ForAllValues:":
			return true, true
		case set == "ForAnyValue:":
			return false, true
		}
		return negated, true
	}
	one := func(v string) bool {
		hit := slices.ContainsFunc(c.Values, func(p string) bool { return match(p, v) })
		return hit != negated
	}
	if set == "ForAllValues:" {
		return !slices.ContainsFunc(values, func(v string) bool { return !one(v) }), true
	}
	return slices.ContainsFunc(values, one), true
}
