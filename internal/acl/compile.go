package acl

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kbwarden/kbwarden/api/v1alpha1"
)

// Policy is a compiled set of ACL rules. It is immutable and safe for
// concurrent use, so one Policy can serve a whole listing pass.
type Policy struct {
	format   v1alpha1.ACLFormat
	bucket   string
	rules    []compiledRule
	prefixes []prefixACL // sorted by prefix, one per distinct rule prefix
	global   []byte
	hash     string
}

type compiledRule struct {
	index       int
	prefix      string
	allow, deny []Identity
}

// prefixACL is one element of the global file: a prefix and the ACL of the
// documents under it (see Compile for why ancestors are folded in).
type prefixACL struct {
	prefix string
	acl    ACL
}

// Compile validates rules and compiles them for format and the documents
// bucket. An empty format means Quick, the API's default. The result does
// not depend on the order of the rules.
//
// Rules with the same prefix are merged. Each element of the global file
// also carries the entries of every rule whose prefix is a prefix of its
// own (hr/ is folded into hr/confidential/). The services document a prefix
// as applying to everything under it, but not whether overlapping prefixes
// combine or the most specific one wins; with ancestors folded in, both
// readings give every document exactly the ACL ForKey computes, which is
// also what its sidecar would hold.
//
// Errors are *SpecError.
func Compile(rules []v1alpha1.ACLRule, format v1alpha1.ACLFormat, bucket string) (*Policy, error) {
	if format == "" {
		format = v1alpha1.ACLFormatQuick
	}
	if _, err := aclField(format); err != nil {
		return nil, err
	}
	if bucket == "" {
		return nil, &SpecError{Reason: "the documents bucket is empty; the global file names it in every keyPrefix"}
	}
	p := &Policy{format: format, bucket: bucket}
	for i, r := range rules {
		cr, err := compileRule(i, r, format)
		if err != nil {
			return nil, err
		}
		p.rules = append(p.rules, cr)
	}
	seen := map[string]bool{}
	for _, r := range p.rules {
		if !seen[r.prefix] {
			seen[r.prefix] = true
			p.prefixes = append(p.prefixes, prefixACL{prefix: r.prefix})
		}
	}
	slices.SortFunc(p.prefixes, func(x, y prefixACL) int { return strings.Compare(x.prefix, y.prefix) })
	for i := range p.prefixes {
		p.prefixes[i].acl = p.rulesACL(p.prefixes[i].prefix)
	}
	p.global = renderGlobal(bucket, p.prefixes)
	sum := sha256.New()
	fmt.Fprintf(sum, "kbwarden-acl-v1\nformat=%s\n", format)
	sum.Write(p.global)
	p.hash = hex.EncodeToString(sum.Sum(nil))
	return p, nil
}

func compileRule(i int, r v1alpha1.ACLRule, format v1alpha1.ACLFormat) (compiledRule, error) {
	field := fmt.Sprintf("rules[%d]", i)
	switch {
	case r.Prefix == "":
		return compiledRule{}, &SpecError{Field: field + ".prefix", Reason: "a rule needs a prefix"}
	case !utf8.ValidString(r.Prefix):
		return compiledRule{}, &SpecError{Field: field + ".prefix", Reason: "the prefix is not valid UTF-8"}
	case len(r.Prefix) > MaxKeyBytes:
		return compiledRule{}, &SpecError{Field: field + ".prefix", Reason: fmt.Sprintf("the prefix is longer than S3's %d-byte key limit", MaxKeyBytes)}
	case len(r.Allow) == 0 && len(r.Deny) == 0:
		return compiledRule{}, &SpecError{Field: field, Reason: "a rule needs at least one allow or deny entry"}
	}
	allow, err := compileEntries(field+".allow", r.Allow, format)
	if err != nil {
		return compiledRule{}, err
	}
	deny, err := compileEntries(field+".deny", r.Deny, format)
	if err != nil {
		return compiledRule{}, err
	}
	return compiledRule{index: i, prefix: r.Prefix, allow: allow, deny: deny}, nil
}

func compileEntries(field string, entries []v1alpha1.ACLEntry, format v1alpha1.ACLFormat) ([]Identity, error) {
	var out []Identity
	for j, e := range entries {
		f := fmt.Sprintf("%s[%d]", field, j)
		var id Identity
		switch {
		case e.User != "" && e.Group != "":
			return nil, &SpecError{Field: f, Reason: "an entry takes exactly one of user or group, not both"}
		case e.User != "":
			id = Identity{Type: User, Name: strings.ToLower(e.User)}
		case e.Group != "":
			if format == v1alpha1.ACLFormatBedrockManaged {
				return nil, &SpecError{Field: f, Reason: fmt.Sprintf(
					"format BedrockManaged accepts only users; %q is a group (use format Quick or list its members)", e.Group)}
			}
			id = Identity{Type: Group, Name: e.Group}
		default:
			return nil, &SpecError{Field: f, Reason: "an entry needs a user or a group"}
		}
		if !utf8.ValidString(id.Name) {
			return nil, &SpecError{Field: f, Reason: "the name is not valid UTF-8"}
		}
		out = append(out, id)
	}
	slices.SortFunc(out, compareIdentities)
	return slices.Compact(out), nil
}

// rulesACL returns the union of the entries of every rule whose prefix key
// starts with.
func (p *Policy) rulesACL(key string) ACL {
	var entries []Entry
	for _, r := range p.rules {
		if !strings.HasPrefix(key, r.prefix) {
			continue
		}
		for _, id := range r.allow {
			entries = append(entries, Entry{Name: id.Name, Type: id.Type, Access: Allow})
		}
		for _, id := range r.deny {
			entries = append(entries, Entry{Name: id.Name, Type: id.Type, Access: Deny})
		}
	}
	return NewACL(entries...)
}

type globalElement struct {
	KeyPrefix  string `json:"keyPrefix"`
	ACLEntries ACL    `json:"aclEntries"`
}

func renderGlobal(bucket string, prefixes []prefixACL) []byte {
	elems := make([]globalElement, 0, len(prefixes))
	for _, p := range prefixes {
		elems = append(elems, globalElement{KeyPrefix: "s3://" + bucket + "/" + p.prefix, ACLEntries: p.acl})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // group names may hold & < >; keep them readable
	enc.SetIndent("", "  ")  // the global file is meant to be audited by people
	if err := enc.Encode(elems); err != nil {
		panic("acl: encoding the global file cannot fail: " + err.Error())
	}
	return buf.Bytes()
}

// Format returns the format the policy was compiled for.
func (p *Policy) Format() v1alpha1.ACLFormat { return p.format }

// GlobalFile returns the global ACL file: a JSON array with one element per
// distinct rule prefix, sorted by prefix, indented, ending in a newline. No
// rules give an empty array, under which every document is unreachable.
// The caller must not modify the returned slice.
func (p *Policy) GlobalFile() []byte { return p.global }

// ForKey returns the ACL of the document at key: the entries of every rule
// whose prefix key starts with. It is nil when no rule matches, which means
// nobody can retrieve the document (deny by default).
func (p *Policy) ForKey(key string) ACL {
	// The longest matching element already holds the entries of every
	// shorter matching prefix (see Compile), so one scan suffices.
	best := -1
	for i, e := range p.prefixes {
		if strings.HasPrefix(key, e.prefix) && (best < 0 || len(e.prefix) > len(p.prefixes[best].prefix)) {
			best = i
		}
	}
	if best < 0 {
		return nil
	}
	return slices.Clone(p.prefixes[best].acl)
}

// Hash returns a hex SHA-256 over the format and the global file. The global
// file holds every compiled rule (normalised, merged, in canonical order),
// so the hash changes whenever the global file or any sidecar would change,
// and stays put when rules are only reordered, re-cased or duplicated. In
// PerDocument mode it can also change when a redundant rule is added (one
// that gives no document a new entry), since the global file lists it.
func (p *Policy) Hash() string { return p.hash }
