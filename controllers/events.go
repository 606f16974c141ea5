package controllers

import (
	"k8s.io/client-go/tools/events"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
)

// recorder emits events about KnowledgeBases; a nil recorder drops them.
type recorder struct{ events.EventRecorder }

// event records a Kubernetes event about obj.
func (r recorder) event(obj *kbv1.KnowledgeBase, eventType, reason, action, note string, args ...any) {
	if r.EventRecorder != nil {
		r.Eventf(obj, nil, eventType, reason, action, note, args...)
	}
}
