package bucketpolicy

import (
	"encoding/json"
	"strings"
)

// missingActions returns the wanted actions the live owned statement does
// not grant to the wanted principal. A statement that is not an Allow, does
// not name the principal, or uses NotPrincipal (which AWS refuses with
// Allow) grants nothing, so every wanted action is missing.
func missingActions(raw json.RawMessage, want Statement) []string {
	var live map[string]any
	if json.Unmarshal(raw, &live) != nil {
		return append([]string(nil), want.Action...)
	}
	eff, _ := live["Effect"].(string)
	_, notPrincipal := live["NotPrincipal"]
	key, val := principalKV(want.Principal)
	grantsNothing := !strings.EqualFold(eff, "Allow") || notPrincipal || !principalGrants(live["Principal"], key, val)

	actions, okA := stringsOf(live["Action"])
	notActions, okN := stringsOf(live["NotAction"])
	var missing []string
	for _, w := range want.Action {
		granted := !grantsNothing && okA && okN
		if granted {
			if _, has := live["Action"]; has {
				granted = anyMatch(actions, w)
			} else {
				granted = live["NotAction"] != nil && !anyMatch(notActions, w)
			}
		}
		if !granted {
			missing = append(missing, w)
		}
	}
	return missing
}

// principalGrants reports whether a live Principal element includes the
// principal key/val, either by name or through the "*" wildcard.
func principalGrants(v any, key, val string) bool {
	m, star, ok := principalOf(v)
	if !ok {
		return false
	}
	if m == nil {
		return star == "*"
	}
	for _, p := range m["AWS"] {
		if p == "*" {
			return true
		}
	}
	for _, p := range m[key] {
		if p == val {
			return true
		}
	}
	return false
}

// anyMatch reports whether any IAM action pattern in patterns matches
// action.
func anyMatch(patterns []string, action string) bool {
	for _, p := range patterns {
		if globMatch(p, action) {
			return true
		}
	}
	return false
}

// globMatch matches s against an IAM pattern, where * stands for any run of
// characters and ? for one, ignoring case as IAM does for action names. It
// backtracks only to the last star, so it runs in time proportional to
// len(pattern)*len(s) even on hostile input.
func globMatch(pattern, s string) bool {
	p, s := strings.ToLower(pattern), strings.ToLower(s)
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == s[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			mark++
			pi, si = star+1, mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
