package acl

import (
	"github.com/kbwarden/kbwarden/api/v1alpha1"
)

func user(name string) v1alpha1.ACLEntry  { return v1alpha1.ACLEntry{User: name} }
func group(name string) v1alpha1.ACLEntry { return v1alpha1.ACLEntry{Group: name} }

func rule(prefix string, allow []v1alpha1.ACLEntry, deny ...v1alpha1.ACLEntry) v1alpha1.ACLRule {
	return v1alpha1.ACLRule{Prefix: prefix, Allow: allow, Deny: deny}
}

func allow(entries ...v1alpha1.ACLEntry) []v1alpha1.ACLEntry { return entries }

func eu(name string, a Access) Entry { return Entry{Name: name, Type: User, Access: a} }
func eg(name string, a Access) Entry { return Entry{Name: name, Type: Group, Access: a} }

// salesAndHR is the example of the design: sales/ for the Sales group and
// one user, hr/confidential/ for HR but not contractors.
func salesAndHR() []v1alpha1.ACLRule {
	return []v1alpha1.ACLRule{
		rule("sales/", allow(group("Sales"), user("Alice@Example.com"))),
		rule("hr/confidential/", allow(group("HR")), group("Contractors")),
	}
}
