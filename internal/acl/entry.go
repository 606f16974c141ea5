package acl

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// EntryType is the kind of identity an ACL entry names, as the ACL files
// spell it.
type EntryType string

const (
	// User names a user by email address, matched case-insensitively.
	User EntryType = "USER"
	// Group names a group exactly as synchronised from the identity provider.
	Group EntryType = "GROUP"
)

// Access is what an ACL entry grants, as the ACL files spell it.
type Access string

const (
	// Allow lets the identity retrieve the document unless a deny also applies.
	Allow Access = "ALLOW"
	// Deny keeps the identity from retrieving the document, whatever allows it.
	Deny Access = "DENY"
)

// Entry is one element of an ACL as written in both the global file's
// aclEntries and a sidecar's access control list. The JSON field names are
// the services' own.
type Entry struct {
	// Name is the user's email address or the group's name.
	Name string `json:"Name"`
	// Type is USER or GROUP.
	Type EntryType `json:"Type"`
	// Access is ALLOW or DENY.
	Access Access `json:"Access"`
}

// Identity is who an entry is about, without the access it grants. Explain
// reasons in identities because deny wins per identity.
type Identity struct {
	// Type is USER or GROUP.
	Type EntryType
	// Name is the lower-cased email address of a user or the exact group name.
	Name string
}

// String renders the identity for people, for example `user "a@example.com"`,
// quoting the name so that odd characters in group names stay visible.
func (i Identity) String() string {
	kind := "group"
	if i.Type == User {
		kind = "user"
	}
	return kind + " " + strconv.Quote(i.Name)
}

// ACL is the normalised access control list of one document or prefix:
// users lower-cased, no duplicates, entries in the canonical order (see
// NewACL). Two ACLs that the service would read the same way are equal as
// slices, which is what makes semantic comparison and stable bytes cheap.
type ACL []Entry

// NewACL normalises entries into an ACL. User names are lower-cased because
// the services match email addresses case-insensitively; writing one
// spelling keeps files stable when a manifest changes case. Entries are
// sorted DENY before ALLOW (deny wins, so a reader sees it first), then USER
// before GROUP, then by name in byte order, and duplicates are dropped. An
// identity both allowed and denied keeps both entries: kbwarden writes what
// was declared and the service applies deny-wins.
func NewACL(entries ...Entry) ACL {
	out := make(ACL, 0, len(entries))
	for _, e := range entries {
		if e.Type == User {
			e.Name = strings.ToLower(e.Name)
		}
		out = append(out, e)
	}
	slices.SortFunc(out, compareEntries)
	out = slices.Compact(out)
	if len(out) == 0 {
		return nil
	}
	return out
}

// Equal reports whether two ACLs hold the same entries. Both sides are
// normalised first, so order, duplicates and the case of user names do not
// matter, exactly as they do not matter to the service.
func (a ACL) Equal(b ACL) bool {
	return slices.Equal(NewACL(a...), NewACL(b...))
}

// Allowed returns the identities the ACL allows, denied or not, in canonical
// order.
func (a ACL) Allowed() []Identity { return a.identities(Allow) }

// Denied returns the identities the ACL denies, in canonical order.
func (a ACL) Denied() []Identity { return a.identities(Deny) }

// Effective returns the identities that can retrieve the document: allowed
// and not denied by an identical entry. Group membership cannot be resolved
// here, so a user in a denied group still appears; Explain says so.
func (a ACL) Effective() []Identity {
	denied := a.Denied()
	var out []Identity
	for _, id := range a.Allowed() {
		if !slices.Contains(denied, id) {
			out = append(out, id)
		}
	}
	return out
}

// Reachable reports whether anybody can retrieve the document. It is false
// for an empty ACL (deny by default) and when every allowed identity is also
// denied (deny wins); the reconciler counts such documents in status.
func (a ACL) Reachable() bool { return len(a.Effective()) > 0 }

func (a ACL) identities(access Access) []Identity {
	var out []Identity
	for _, e := range NewACL(a...) {
		if e.Access == access {
			out = append(out, Identity{Type: e.Type, Name: e.Name})
		}
	}
	return out
}

func compareEntries(x, y Entry) int {
	return cmp.Or(
		cmp.Compare(accessRank(x.Access), accessRank(y.Access)),
		cmp.Compare(typeRank(x.Type), typeRank(y.Type)),
		strings.Compare(string(x.Access), string(y.Access)),
		strings.Compare(string(x.Type), string(y.Type)),
		strings.Compare(x.Name, y.Name),
	)
}

// accessRank puts DENY first; unknown values (only possible in ACLs built by
// hand) sort last, and the raw string comparison keeps the order total.
func accessRank(a Access) int {
	switch a {
	case Deny:
		return 0
	case Allow:
		return 1
	}
	return 2
}

func typeRank(t EntryType) int {
	switch t {
	case User:
		return 0
	case Group:
		return 1
	}
	return 2
}

func compareIdentities(x, y Identity) int {
	return cmp.Or(cmp.Compare(typeRank(x.Type), typeRank(y.Type)),
		strings.Compare(string(x.Type), string(y.Type)),
		strings.Compare(x.Name, y.Name))
}
