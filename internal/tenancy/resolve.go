package tenancy

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
)

// Namespace is what Resolve needs of a KnowledgeBase's namespace.
type Namespace struct {
	Name   string
	Labels map[string]string
}

// Selects reports whether the binding's namespaceSelector matches ns. A
// selector that does not parse selects nothing (the error says why).
func Selects(b *kbv1.AccountBinding, ns Namespace) (bool, error) {
	sel, err := metav1.LabelSelectorAsSelector(&b.Spec.NamespaceSelector)
	if err != nil {
		return false, fmt.Errorf("AccountBinding %s: namespaceSelector: %w", b.Name, err)
	}
	return sel.Matches(labels.Set(ns.Labels)), nil
}

// IsReady reports whether kbwarden verified the binding's current
// generation: Ready is True and observedGeneration is the generation (a
// Ready of an older spec says nothing about the new role).
func IsReady(b *kbv1.AccountBinding) bool {
	return b.Status.ObservedGeneration == b.Generation &&
		apimeta.IsStatusConditionTrue(b.Status.Conditions, kbv1.ReadyCondition)
}

// Resolve picks the AccountBinding of a KnowledgeBase in namespace ns that
// names requested in spec.accountBinding (empty when it names none), among
// bindings (every AccountBinding of the cluster). The binding returned is
// Ready; otherwise the *Error says why:
//   - requested is set: it must exist (else NoAccountBinding) and select ns
//     (else NotGranted);
//   - requested is empty: exactly one Ready binding must select ns (none
//     selecting it, or several Ready, is NoAccountBinding);
//   - the binding found is not Ready: AccountMismatch when the binding says
//     its credentials land in another account (the KnowledgeBase stalls),
//     else AccountBindingNotReady (it waits).
//
// The returned binding points into bindings.
func Resolve(ns Namespace, requested string, bindings []kbv1.AccountBinding) (*kbv1.AccountBinding, error) {
	if requested != "" {
		return resolveNamed(ns, requested, bindings)
	}
	var selecting, ready []*kbv1.AccountBinding
	for i := range bindings {
		b := &bindings[i]
		if ok, _ := Selects(b, ns); !ok {
			continue
		}
		selecting = append(selecting, b)
		if IsReady(b) {
			ready = append(ready, b)
		}
	}
	switch {
	case len(ready) == 1:
		return ready[0], nil
	case len(ready) > 1:
		return nil, newError(kbv1.NoAccountBindingReason,
			"%d Ready AccountBindings select namespace %s (%s): set spec.accountBinding to the one this KnowledgeBase uses",
			len(ready), ns.Name, names(ready))
	case len(selecting) == 1:
		return nil, notReady(selecting[0])
	case len(selecting) > 1:
		return nil, newError(kbv1.AccountBindingNotReadyReason,
			"none of the AccountBindings selecting namespace %s (%s) is Ready yet: set spec.accountBinding to the one this KnowledgeBase uses, or see `kubectl get accountbindings`",
			ns.Name, names(selecting))
	}
	return nil, newError(kbv1.NoAccountBindingReason,
		"no AccountBinding selects namespace %s: ask the platform team for an AccountBinding whose namespaceSelector matches this namespace's labels%s and that grants the account, region, buckets and knowledge base this KnowledgeBase names",
		ns.Name, describeLabels(ns.Labels))
}

func resolveNamed(ns Namespace, name string, bindings []kbv1.AccountBinding) (*kbv1.AccountBinding, error) {
	i := slices.IndexFunc(bindings, func(b kbv1.AccountBinding) bool { return b.Name == name })
	if i < 0 {
		return nil, newError(kbv1.NoAccountBindingReason,
			"spec.accountBinding names AccountBinding %s, which does not exist: ask the platform team to create it for namespace %s, or name one that selects it",
			name, ns.Name)
	}
	b := &bindings[i]
	ok, err := Selects(b, ns)
	if err != nil {
		return nil, newError(kbv1.NotGrantedReason, "%v: it selects no namespace; ask the platform team to fix it", err)
	}
	if !ok {
		return nil, newError(kbv1.NotGrantedReason,
			"AccountBinding %s does not select namespace %s%s: ask the platform team to widen its namespaceSelector to this namespace, or name a binding that selects it",
			name, ns.Name, describeLabels(ns.Labels))
	}
	if !IsReady(b) {
		return nil, notReady(b)
	}
	return b, nil
}

// notReady explains why the binding cannot be used yet. A binding whose
// credentials land in another account stalls its KnowledgeBases with that
// reason; anything else is waited for.
func notReady(b *kbv1.AccountBinding) *Error {
	c := apimeta.FindStatusCondition(b.Status.Conditions, kbv1.ReadyCondition)
	switch {
	case c == nil || b.Status.ObservedGeneration != b.Generation:
		return newError(kbv1.AccountBindingNotReadyReason,
			"AccountBinding %s is not verified yet: kbwarden has not assumed its role for its current spec", b.Name)
	case c.Reason == kbv1.AccountMismatchReason:
		return newError(kbv1.AccountMismatchReason, "AccountBinding %s: %s: ask the platform team to fix the binding", b.Name, c.Message)
	default:
		return newError(kbv1.AccountBindingNotReadyReason, "AccountBinding %s is not Ready (%s: %s)", b.Name, c.Reason, c.Message)
	}
}

func names(bs []*kbv1.AccountBinding) string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.Name
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// describeLabels shows the namespace's labels in a message, so the user can
// tell the platform team what the selector should match.
func describeLabels(l map[string]string) string {
	if len(l) == 0 {
		return " (it has no labels)"
	}
	return " (its labels are " + labels.Set(l).String() + ")"
}
