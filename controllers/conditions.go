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

// summarizeReady computes Ready from Stalled and the per-concern conditions:
// Stalled wins; then the first concern that is False; then the first that is
// Unknown or missing; Ready is True only when every concern is True.
func summarizeReady(obj *kbv1.KnowledgeBase) {
	if c := apimeta.FindStatusCondition(obj.Status.Conditions, kbv1.StalledCondition); c != nil {
		markFalse(obj, kbv1.ReadyCondition, c.Reason, "%s", c.Message)
		return
	}
	var unknown *metav1.Condition
	for _, t := range kbv1.ConcernConditions {
		c := apimeta.FindStatusCondition(obj.Status.Conditions, t)
		switch {
		case c == nil:
			if unknown == nil {
				unknown = &metav1.Condition{Reason: kbv1.NotEvaluatedReason, Message: t + " has not been evaluated yet"}
			}
		case c.Status == metav1.ConditionFalse:
			markFalse(obj, kbv1.ReadyCondition, c.Reason, "%s", c.Message)
			return
		case c.Status == metav1.ConditionUnknown && unknown == nil:
			unknown = c
		}
	}
	if unknown != nil {
		markFalse(obj, kbv1.ReadyCondition, unknown.Reason, "%s", unknown.Message)
		return
	}
	markTrue(obj, kbv1.ReadyCondition, kbv1.SucceededReason, "all concerns are in sync")
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
