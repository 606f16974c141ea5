package bucketpolicy

import (
	"encoding/json"
	"fmt"
	"strings"
)

// StatementNotOwnedError reports that the live policy holds a statement with
// kbwarden's Sid that kbwarden must not adopt: it is not an Allow, or it
// names another kind of principal than the desired one. A Sid is only a
// label anyone can write; a security team's Deny, or a grant to some other
// principal, that happens to carry it is theirs, and replacing or removing
// it would silently change who may do what. Nothing is merged or removed;
// the caller stalls (StatementNotOwned) until a person renames one of the
// statements.
type StatementNotOwnedError struct {
	// Sid is the statement ID both statements carry.
	Sid string
	// Differs lists, one per field, what makes the live statement someone
	// else's ("effect is Deny, not Allow").
	Differs []string
}

// Error names the statement and what differs.
func (e *StatementNotOwnedError) Error() string {
	return fmt.Sprintf("bucket policy statement %s is not kbwarden's: %s", e.Sid, strings.Join(e.Differs, "; "))
}

// notOwnedBecause returns why the live statement with kbwarden's Sid is not
// one kbwarden may adopt, or nil when it may. Only two fields decide,
// because they decide what kind of grant the statement is: Effect must be
// Allow (compared ignoring case, as awspolicyequivalence does), and
// Principal must name only the desired kind of principal: a Service
// principal when the spec grants a service, only IAM role ARNs under "AWS"
// when it grants a role. Actions, resources and conditions may differ: that
// is drift kbwarden repairs.
func notOwnedBecause(raw json.RawMessage, want Statement) []string {
	var live map[string]any
	if err := json.Unmarshal(raw, &live); err != nil {
		return []string{"it cannot be read: " + err.Error()}
	}
	var out []string
	if eff, _ := live["Effect"].(string); !strings.EqualFold(eff, "Allow") {
		out = append(out, fmt.Sprintf("effect is %s, not Allow", describe(live["Effect"])))
	}
	if _, ok := live["NotPrincipal"]; ok {
		out = append(out, "it has NotPrincipal, which kbwarden never writes")
	}
	kind, _ := principalKV(want.Principal)
	if !principalOfKind(live["Principal"], kind) {
		out = append(out, fmt.Sprintf("principal is %s, but kbwarden grants %s", formatPrincipal(live["Principal"]), kindName(kind)))
	}
	return out
}

// principalOfKind reports whether a live Principal names only principals of
// kind: "Service", or "AWS" holding only role ARNs.
func principalOfKind(v any, kind string) bool {
	m, _, ok := principalOf(v)
	if !ok || len(m) != 1 || len(m[kind]) == 0 {
		return false
	}
	if kind == "AWS" {
		for _, arn := range m[kind] {
			if !isRoleARN(arn) {
				return false
			}
		}
	}
	return true
}

// isRoleARN reports whether s has the shape arn:<partition>:iam::<account>:role/<name>.
func isRoleARN(s string) bool {
	parts := strings.SplitN(s, ":", 6)
	return len(parts) == 6 && parts[0] == "arn" && parts[2] == "iam" && strings.HasPrefix(parts[5], "role/")
}

func kindName(kind string) string {
	if kind == "AWS" {
		return "an IAM role (an AWS principal)"
	}
	return "a service principal"
}
