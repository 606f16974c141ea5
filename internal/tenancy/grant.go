package tenancy

import (
	"fmt"
	"slices"
	"strings"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
)

// Grant is what one AccountBinding grants, parsed once.
type Grant struct {
	// Binding is the AccountBinding's name, for messages.
	Binding string
	// AccountID is the binding's account.
	AccountID string

	regions  []string
	buckets  []BucketPattern
	kbIDs    []string
	patterns string // spec.buckets as written, for messages
}

// NewGrant parses a binding's grants. It fails only on a pattern the CRD
// would have refused.
func NewGrant(b *kbv1.AccountBinding) (*Grant, error) {
	g := &Grant{
		Binding:   b.Name,
		AccountID: b.Spec.AccountID,
		regions:   b.Spec.Regions,
		kbIDs:     b.Spec.KnowledgeBaseIDs,
		patterns:  strings.Join(b.Spec.Buckets, ", "),
	}
	for _, s := range b.Spec.Buckets {
		p, err := ParseBucketPattern(s)
		if err != nil {
			return nil, fmt.Errorf("AccountBinding %s: %w", b.Name, err)
		}
		g.buckets = append(g.buckets, p)
	}
	for _, id := range b.Spec.KnowledgeBaseIDs {
		if strings.ContainsAny(id, `[]\`) {
			return nil, fmt.Errorf("AccountBinding %s: knowledge base ID pattern %q: only the * and ? wildcards are allowed", b.Name, id)
		}
	}
	return g, nil
}

// Account checks a KnowledgeBase's spec.accountId: empty (it then defaults
// to the binding's account) or the binding's account.
func (g *Grant) Account(accountID string) error {
	if accountID == "" || accountID == g.AccountID {
		return nil
	}
	return newError(kbv1.AccountMismatchReason,
		"spec.accountId %s is not the account of AccountBinding %s (%s): remove spec.accountId, or ask the platform team for a binding of account %s",
		accountID, g.Binding, g.AccountID, accountID)
}

// PrincipalRole checks a role ARN the KnowledgeBase writes into a bucket
// policy (vectorBucket.policy.principal.roleArn): it must be a role of the
// binding's account, so no KnowledgeBase can open its buckets to another
// account. The CRD checks the ARN's shape; this checks its account.
func (g *Grant) PrincipalRole(roleARN string) error {
	parts := strings.SplitN(roleARN, ":", 6)
	if len(parts) == 6 && parts[2] == "iam" && parts[4] == g.AccountID && strings.HasPrefix(parts[5], "role/") {
		return nil
	}
	return newError(kbv1.AccountMismatchReason,
		"principal.roleArn %s is not a role of account %s, the account of AccountBinding %s: name a role of that account, or ask the platform team for a binding of the role's account",
		roleARN, g.AccountID, g.Binding)
}

// Region checks the region the KnowledgeBase acts in (its spec.region, or
// the manager's default when unset). A binding without regions grants any.
func (g *Grant) Region(region string) error {
	if len(g.regions) == 0 || slices.Contains(g.regions, region) {
		return nil
	}
	return newError(kbv1.NotGrantedReason,
		"AccountBinding %s does not grant region %s (it grants %s): ask the platform team to add it to the binding's spec.regions",
		g.Binding, region, strings.Join(g.regions, ", "))
}

// KnowledgeBaseID checks a knowledge base ID. A binding without
// knowledgeBaseIds grants any.
func (g *Grant) KnowledgeBaseID(id string) error {
	if len(g.kbIDs) == 0 {
		return nil
	}
	for _, p := range g.kbIDs {
		if full, _ := globMatch(p, id); full {
			return nil
		}
	}
	return newError(kbv1.NotGrantedReason,
		"AccountBinding %s does not grant knowledge base %s (it grants %s): ask the platform team to add it to the binding's spec.knowledgeBaseIds",
		g.Binding, id, strings.Join(g.kbIDs, ", "))
}

// Bucket checks that the whole bucket is granted, as managing its policy or
// its versioning needs. A grant of a key prefix in it is not enough.
func (g *Grant) Bucket(bucket string) error {
	for _, p := range g.buckets {
		if p.WholeBucket(bucket) {
			return nil
		}
	}
	return g.notGranted("bucket %s", bucket)
}

// Prefix checks that every key under prefix in bucket is granted, as
// listing, reading and writing there needs. The empty prefix is the whole
// bucket's keys.
func (g *Grant) Prefix(bucket, prefix string) error {
	for _, p := range g.buckets {
		if p.Prefix(bucket, prefix) {
			return nil
		}
	}
	if prefix == "" {
		return g.notGranted("the keys of bucket %s (an empty prefix is the whole bucket)", bucket)
	}
	return g.notGranted("the keys under %s/%s", bucket, prefix)
}

// Object checks that the single key in bucket is granted.
func (g *Grant) Object(bucket, key string) error {
	for _, p := range g.buckets {
		if p.Object(bucket, key) {
			return nil
		}
	}
	return g.notGranted("the object %s/%s", bucket, key)
}

func (g *Grant) notGranted(what string, args ...any) *Error {
	return newError(kbv1.NotGrantedReason,
		"AccountBinding %s does not grant %s (its buckets are %s): ask the platform team to add it to the binding's spec.buckets",
		g.Binding, sprintf(what, args...), g.patterns)
}

// Location is a bucket, or a key or key prefix in it, that a KnowledgeBase
// names; Field says where (documents.prefix), for the message.
type Location struct {
	Field  string
	Bucket string
	Key    string
}

// Request is everything one KnowledgeBase pass would touch.
type Request struct {
	// AccountID is spec.accountId (may be empty).
	AccountID string
	// Region is the effective region (spec.region or the manager's default).
	Region string
	// KnowledgeBaseIDs are the knowledge base IDs the KnowledgeBase names.
	KnowledgeBaseIDs []string
	// Buckets must be granted whole (Key is ignored): the vector bucket, and
	// the documents bucket when kbwarden manages its versioning.
	Buckets []Location
	// Prefixes must be granted with every key below Key: documents.prefix,
	// accessControl.metadataPrefix.
	Prefixes []Location
	// Objects must be granted as single keys: accessControl.globalFile.
	Objects []Location
}

// Check runs every check of r. An account mismatch is reported alone, since
// nothing else means anything in the wrong account; otherwise every grant
// that is missing is listed in one NotGranted error, so the user can ask the
// platform team for all of it at once.
func (g *Grant) Check(r Request) error {
	if err := g.Account(r.AccountID); err != nil {
		return err
	}
	var missing []string
	add := func(field string, err error) {
		if err == nil {
			return
		}
		msg := err.(*Error).Message
		if field != "" {
			msg = field + ": " + msg
		}
		missing = append(missing, msg)
	}
	add("region", g.Region(r.Region))
	for _, id := range r.KnowledgeBaseIDs {
		add("", g.KnowledgeBaseID(id))
	}
	for _, l := range r.Buckets {
		add(l.Field, g.Bucket(l.Bucket))
	}
	for _, l := range r.Prefixes {
		add(l.Field, g.Prefix(l.Bucket, l.Key))
	}
	for _, l := range r.Objects {
		add(l.Field, g.Object(l.Bucket, l.Key))
	}
	if len(missing) == 0 {
		return nil
	}
	return &Error{Reason: kbv1.NotGrantedReason, Message: strings.Join(missing, "; ")}
}
