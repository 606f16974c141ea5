package controllers

import (
	"fmt"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
)

// setCondition sets a condition with the object's generation. It keeps
// lastTransitionTime when the status did not change (apimeta does), so a
// steady-state pass leaves conditions byte-identical and writes nothing.
func setCondition(obj *kbv1.KnowledgeBase, condType string, status metav1.ConditionStatus, reason, format string, args ...any) {
	apimeta.SetStatusCondition(&obj.Status.Conditions, metav1.Condition{
		Type:               condType,
		Status:             status,
		Reason:             reason,
		Message:            fmt.Sprintf(format, args...),
		ObservedGeneration: obj.Generation,
	})
}

func markTrue(obj *kbv1.KnowledgeBase, condType, reason, format string, args ...any) {
	setCondition(obj, condType, metav1.ConditionTrue, reason, format, args...)
}

func markFalse(obj *kbv1.KnowledgeBase, condType, reason, format string, args ...any) {
	setCondition(obj, condType, metav1.ConditionFalse, reason, format, args...)
}

func markUnknown(obj *kbv1.KnowledgeBase, condType, reason, format string, args ...any) {
	setCondition(obj, condType, metav1.ConditionUnknown, reason, format, args...)
}

// keepTrue leaves a True condition as it is (its reason may say more than
// "in sync", for example DriftRepaired) but records that it holds for the
// current generation, so kubectl wait and kstatus see it as current.
// It reports whether the condition was True.
func keepTrue(obj *kbv1.KnowledgeBase, condType string) bool {
	c := apimeta.FindStatusCondition(obj.Status.Conditions, condType)
	if c == nil || c.Status != metav1.ConditionTrue {
		return false
	}
	c.ObservedGeneration = obj.Generation
	return true
}
