package tenancy

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
)

// binding builds an AccountBinding selecting namespaces labelled
// kbwarden.io/tenant=tenant, Ready unless changed by the options.
func binding(name, tenant string, opts ...func(*kbv1.AccountBinding)) kbv1.AccountBinding {
	b := kbv1.AccountBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name, Generation: 1},
		Spec: kbv1.AccountBindingSpec{
			NamespaceSelector: metav1.LabelSelector{MatchLabels: map[string]string{"kbwarden.io/tenant": tenant}},
			AccountID:         "111111111111",
			Buckets:           []string{tenant + "-*"},
		},
		Status: kbv1.AccountBindingStatus{
			ObservedGeneration: 1,
			Conditions:         []metav1.Condition{{Type: kbv1.ReadyCondition, Status: metav1.ConditionTrue, Reason: kbv1.SucceededReason}},
		},
	}
	for _, o := range opts {
		o(&b)
	}
	return b
}

func notVerified(b *kbv1.AccountBinding) {
	b.Status = kbv1.AccountBindingStatus{ObservedGeneration: -1}
}

func staleGeneration(b *kbv1.AccountBinding) { b.Generation = 2 }

func readyFalse(reason, message string) func(*kbv1.AccountBinding) {
	return func(b *kbv1.AccountBinding) {
		b.Status.Conditions = []metav1.Condition{{Type: kbv1.ReadyCondition, Status: metav1.ConditionFalse, Reason: reason, Message: message}}
	}
}

func ns(name, tenant string) Namespace {
	l := map[string]string{"kubernetes.io/metadata.name": name}
	if tenant != "" {
		l["kbwarden.io/tenant"] = tenant
	}
	return Namespace{Name: name, Labels: l}
}
