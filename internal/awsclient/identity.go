package awsclient

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

// Session tag keys kbwarden sets on every assumed-role session, so a tenant
// role's permission policy can condition on them (aws:PrincipalTag/...) and
// CloudTrail shows which KnowledgeBase a call was made for.
const (
	TagAccountBinding = "kbwarden-accountbinding"
	TagNamespace      = "kbwarden-namespace"
	TagKnowledgeBase  = "kbwarden-knowledgebase"
)

// Identity says whose credentials a set of clients carries: the manager's
// own (RoleARN empty) or a tenant role assumed for one KnowledgeBase.
//
// It is also the credentials cache key. Session tags are fixed when a role
// is assumed, so tagging a session with the KnowledgeBase means one session
// per (binding, role, external ID, namespace, KnowledgeBase): credentials are
// never shared between two KnowledgeBases, and a tenant policy conditioning
// on kbwarden-knowledgebase means what it says. The cost is one AssumeRole
// per KnowledgeBase per credentials lifetime (an hour), not per reconcile.
type Identity struct {
	// Binding is the AccountBinding's name; empty in Optional mode.
	Binding string
	// RoleARN is the role to assume; empty means the manager's own identity.
	RoleARN string
	// ExternalID is passed to AssumeRole when set.
	ExternalID string
	// Namespace and KnowledgeBase name the KnowledgeBase the session acts
	// for. Both are empty for an AccountBinding's own verification.
	Namespace     string
	KnowledgeBase string
}

// Base is the manager's own identity, as --tenancy=Optional uses it.
var Base = Identity{}

// assumes reports whether credentials come from sts:AssumeRole.
func (id Identity) assumes() bool { return id.RoleARN != "" }

// SessionName is the role session name: it names the namespace and the
// KnowledgeBase (or the binding, for its verification), in STS's character
// set ([\w+=,.@-]) and within its 64 characters. A name too long keeps its
// start and ends with a hash of the whole, so two long names stay apart.
func (id Identity) SessionName() string {
	name := "kbwarden-" + id.Namespace + "." + id.KnowledgeBase
	if id.Namespace == "" && id.KnowledgeBase == "" {
		name = "kbwarden-binding-" + id.Binding
	}
	return sanitize(name, isSessionNameRune, 2, 64)
}

// Tags are the session tags of an assumed-role session.
func (id Identity) Tags() []ststypes.Tag {
	tag := func(k, v string) ststypes.Tag {
		v = sanitize(v, isTagValueRune, 0, 256)
		return ststypes.Tag{Key: &k, Value: &v}
	}
	tags := []ststypes.Tag{tag(TagAccountBinding, id.Binding)}
	if id.Namespace != "" || id.KnowledgeBase != "" {
		tags = append(tags, tag(TagNamespace, id.Namespace), tag(TagKnowledgeBase, id.KnowledgeBase))
	}
	return tags
}

// isSessionNameRune is STS's RoleSessionName character set.
func isSessionNameRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_+=,.@-", r)
}

// isTagValueRune is the ASCII part of STS's tag value character set
// ([\p{L}\p{Z}\p{N}_.:/=+\-@]); Kubernetes names never need more.
func isTagValueRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_.:/=+-@ ", r)
}

// sanitize replaces every rune outside the set with '-', pads to min with
// '-', and shortens to max bytes, replacing the end with a hash of the
// original when it has to cut.
func sanitize(s string, ok func(rune) bool, minLen, maxLen int) string {
	var b strings.Builder
	for _, r := range s {
		if ok(r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	out := b.String()
	for len(out) < minLen {
		out += "-"
	}
	if len(out) > maxLen {
		sum := sha256.Sum256([]byte(s))
		suffix := "-" + hex.EncodeToString(sum[:4])
		out = out[:maxLen-len(suffix)] + suffix
	}
	return out
}
