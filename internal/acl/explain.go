package acl

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Explanation says why a document gets its ACL and who can retrieve it. It
// answers the question a user asks when a document is missing from answers:
// which rule did that, and is anybody left who can see it?
type Explanation struct {
	// Key is the document's object key.
	Key string
	// Matches are the rules whose prefix the key starts with, in spec order.
	Matches []RuleMatch
	// Effective are the identities that can retrieve the document: allowed
	// by some rule and not denied by an identical entry.
	Effective []Identity
	// Unreachable is true when nobody can retrieve the document: no rule
	// allows anybody (deny by default) or every allowed identity is denied.
	Unreachable bool
	// Notes are full sentences on what the effective set cannot show, such
	// as a denied group that may contain an allowed user.
	Notes []string
}

// RuleMatch is one rule that applies to a document.
type RuleMatch struct {
	// Index is the rule's position in spec.accessControl.rules.
	Index int
	// Prefix is the rule's prefix.
	Prefix string
	// Allow are the identities the rule allows.
	Allow []Identity
	// Deny are the identities the rule denies.
	Deny []Identity
}

// Explain explains the ACL of the document at key.
func (p *Policy) Explain(key string) Explanation {
	x := Explanation{Key: key}
	for _, r := range p.rules {
		if strings.HasPrefix(key, r.prefix) {
			x.Matches = append(x.Matches, RuleMatch{Index: r.index, Prefix: r.prefix,
				Allow: slices.Clone(r.allow), Deny: slices.Clone(r.deny)})
		}
	}
	acl := p.ForKey(key)
	allowed, denied := acl.Allowed(), acl.Denied()
	x.Effective = acl.Effective()
	x.Unreachable = len(x.Effective) == 0
	switch {
	case len(x.Matches) == 0:
		x.Notes = append(x.Notes, "No rule's prefix matches this key, so nobody can retrieve the document (deny by default); a Quick knowledge base does not even ingest it.")
	case len(allowed) == 0:
		x.Notes = append(x.Notes, "The matching rules only deny, so nobody can retrieve the document (deny by default).")
	case x.Unreachable:
		x.Notes = append(x.Notes, "Every allowed identity is also denied, and deny wins, so nobody can retrieve the document.")
	}
	x.Notes = append(x.Notes, membershipNotes(x.Effective, denied)...)
	return x
}

// membershipNotes warns where deny-wins may remove more than the effective
// set shows: kbwarden knows identities, not who belongs to which group.
func membershipNotes(effective, denied []Identity) []string {
	var notes []string
	for _, d := range denied {
		if d.Type != Group {
			continue
		}
		var others []Identity
		for _, e := range effective {
			if e != d {
				others = append(others, e)
			}
		}
		if len(others) > 0 {
			notes = append(notes, fmt.Sprintf("%s is denied. kbwarden cannot resolve group membership, "+
				"so its members cannot retrieve the document even when allowed as %s (deny wins).", d, join(others)))
		}
	}
	for _, d := range denied {
		if d.Type != User {
			continue
		}
		var groups []Identity
		for _, e := range effective {
			if e.Type == Group {
				groups = append(groups, e)
			}
		}
		if len(groups) > 0 {
			notes = append(notes, fmt.Sprintf("%s is denied even if a member of %s (deny wins).", d, join(groups)))
		}
	}
	return notes
}

func join(ids []Identity) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = id.String()
	}
	return strings.Join(s, ", ")
}

// String renders the explanation for a terminal, one fact per line, for
// example:
//
//	"hr/confidential/plan.pdf"
//	  rules[0] "hr/": allows group "HR"
//	  rules[1] "hr/confidential/": denies group "Contractors"
//	  can retrieve: group "HR"
//	  note: group "Contractors" is denied; ...
func (x Explanation) String() string {
	var b strings.Builder
	// Quoting keeps control characters in a key from garbling the terminal.
	b.WriteString(strconv.Quote(x.Key) + "\n")
	for _, m := range x.Matches {
		var parts []string
		if len(m.Allow) > 0 {
			parts = append(parts, "allows "+join(m.Allow))
		}
		if len(m.Deny) > 0 {
			parts = append(parts, "denies "+join(m.Deny))
		}
		fmt.Fprintf(&b, "  rules[%d] %s: %s\n", m.Index, strconv.Quote(m.Prefix), strings.Join(parts, "; "))
	}
	if x.Unreachable {
		b.WriteString("  UNREACHABLE: nobody can retrieve this document\n")
	} else {
		b.WriteString("  can retrieve: " + join(x.Effective) + "\n")
	}
	for _, n := range x.Notes {
		b.WriteString("  note: " + n + "\n")
	}
	return b.String()
}
