package controllers

import (
	"context"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/controller/priorityqueue"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// enqueueWakeup enqueues the KnowledgeBase the start queue woke, ahead of
// routine passes: its slot of the account's StartIngestionJob quota is open
// for it now, and is lost to the whole account if it comes too late.
type enqueueWakeup struct {
	handler.TypedFuncs[types.NamespacedName, reconcile.Request]
}

// Generic implements handler.TypedEventHandler for source.Channel.
func (enqueueWakeup) Generic(_ context.Context, e event.TypedGenericEvent[types.NamespacedName], q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	req := reconcile.Request{NamespacedName: e.Object}
	if pq, ok := q.(priorityqueue.PriorityQueue[reconcile.Request]); ok {
		priority := meteredPriority
		pq.AddWithOpts(priorityqueue.AddOpts{Priority: &priority}, req)
		return
	}
	q.Add(req)
}
