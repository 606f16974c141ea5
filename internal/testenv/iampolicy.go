package testenv

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kbwarden/kbwarden/internal/awserr"
)

// PolicyDocument is an identity policy of config/iam with its placeholders
// filled in, for checking what kbwarden calls against what it ships.
//
// It evaluates Action and Resource as IAM does (case-insensitive actions,
// case-sensitive ARNs, * and ? wildcards, an explicit Deny wins), and
// stays on the safe side with the rest: a statement with a Condition, a
// NotAction or a NotResource allows nothing here (its request context is
// not known), and a policy variable such as ${aws:PrincipalTag/...}
// matches only itself. A call it says is allowed is allowed by AWS.
type PolicyDocument struct {
	Name       string
	Statements []PolicyStatement
}

// PolicyStatement is one statement of a PolicyDocument.
type PolicyStatement struct {
	Sid         string
	Effect      string
	Action      stringList
	NotAction   stringList
	Resource    stringList
	NotResource stringList
	Condition   map[string]any
}

// stringList is an IAM policy element that is a string or a list of them.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = stringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*l = many
	return nil
}

// LoadPolicy reads config/iam/name and fills in its placeholders: each
// placeholder in values is replaced by each of its values, so a Resource
// naming it becomes one resource per value (KB_BUCKET_PATTERN for each
// pattern of --allowed-buckets, as config/iam/README.md says to).
func LoadPolicy(name string, values map[string][]string) (*PolicyDocument, error) {
	raw, err := os.ReadFile(filepath.Join(RepoRoot(), "config", "iam", name))
	if err != nil {
		return nil, err
	}
	doc := &PolicyDocument{Name: name}
	var parsed struct{ Statement []PolicyStatement }
	if err := json.Unmarshal(raw, &parsed); err != nil {
		return nil, fmt.Errorf("config/iam/%s: %w", name, err)
	}
	for _, st := range parsed.Statement {
		st.Resource = expand(st.Resource, values)
		st.NotResource = expand(st.NotResource, values)
		doc.Statements = append(doc.Statements, st)
	}
	return doc, nil
}

// expand replaces the placeholders of each element by each of their values.
func expand(in stringList, values map[string][]string) stringList {
	out := in
	for placeholder, vs := range values {
		var next stringList
		for _, s := range out {
			if !strings.Contains(s, placeholder) {
				next = append(next, s)
				continue
			}
			for _, v := range vs {
				next = append(next, strings.ReplaceAll(s, placeholder, v))
			}
		}
		out = next
	}
	return out
}

// Allows reports whether the policy allows action on resource, and, when
// it does not, a reason for the message.
func (p *PolicyDocument) Allows(action, resource string) (bool, string) {
	allowed := false
	for _, st := range p.Statements {
		if !matchesAny(st.Action, action, strings.EqualFold) || !matchesAny(st.Resource, resource, func(a, b string) bool { return a == b }) {
			continue
		}
		conditional := len(st.Condition) > 0 || len(st.NotAction) > 0 || len(st.NotResource) > 0
		switch {
		case st.Effect == "Deny" && !conditional:
			return false, fmt.Sprintf("statement %s denies it", st.Sid)
		case st.Effect == "Allow" && !conditional:
			allowed = true
		}
	}
	if allowed {
		return true, ""
	}
	var onAction []string
	for _, st := range p.Statements {
		if st.Effect == "Allow" && matchesAny(st.Action, action, strings.EqualFold) {
			onAction = append(onAction, fmt.Sprintf("%s on %v", st.Sid, []string(st.Resource)))
		}
	}
	if len(onAction) == 0 {
		return false, "no statement allows the action"
	}
	return false, "the statements allowing the action do not cover the resource (or have a Condition): " + strings.Join(onAction, "; ")
}

// Uncovered lists, for each call, every action and resource the policy
// does not allow, as messages. kbwarden tags every session it assumes, so
// sts:AssumeRole also needs sts:TagSession on the role.
func (p *PolicyDocument) Uncovered(calls []Call) []string {
	var out []string
	for _, c := range calls {
		actions := []string{awserr.IAMAction(c.Service, c.Operation)}
		if c.Service == "STS" && c.Operation == "AssumeRole" {
			actions = append(actions, "sts:TagSession")
		}
		for _, a := range actions {
			for _, r := range c.Resources {
				if ok, why := p.Allows(a, r); !ok {
					out = append(out, fmt.Sprintf("%s.%s needs %s on %s, which %s does not allow: %s", c.Service, c.Operation, a, r, p.Name, why))
				}
			}
		}
	}
	return out
}

func matchesAny(patterns stringList, s string, eq func(a, b string) bool) bool {
	for _, p := range patterns {
		if wildcardMatch(p, s, eq) {
			return true
		}
	}
	return false
}

// wildcardMatch matches s against an IAM pattern: * is any run of
// characters, ? any one character. An ARN is matched segment by segment
// (partition, service, region, account, resource), so a * never matches a
// colon outside the resource segment: the stricter reading, which can only
// report a call as not allowed that AWS would allow, never the reverse.
func wildcardMatch(pattern, s string, eq func(a, b string) bool) bool {
	if strings.HasPrefix(pattern, "arn:") && strings.HasPrefix(s, "arn:") {
		ps, ss := strings.SplitN(pattern, ":", 6), strings.SplitN(s, ":", 6)
		if len(ps) != len(ss) {
			return false
		}
		for i := range ps {
			if !globMatch(ps[i], ss[i], eq) {
				return false
			}
		}
		return true
	}
	return globMatch(pattern, s, eq)
}

// globMatch matches with * and ?; eq compares literal runs (case folding
// or not).
func globMatch(pattern, s string, eq func(a, b string) bool) bool {
	pr, sr := []rune(pattern), []rune(s)
	// memo[i][j]: pattern[i:] matches s[j:].
	memo := make(map[[2]int]bool)
	var match func(i, j int) bool
	match = func(i, j int) bool {
		key := [2]int{i, j}
		if v, ok := memo[key]; ok {
			return v
		}
		var v bool
		switch {
		case i == len(pr):
			v = j == len(sr)
		case pr[i] == '*':
			v = match(i+1, j) || (j < len(sr) && match(i, j+1))
		case j == len(sr):
			v = false
		case pr[i] == '?' || eq(string(pr[i]), string(sr[j])):
			v = match(i+1, j+1)
		}
		memo[key] = v
		return v
	}
	return match(0, 0)
}
