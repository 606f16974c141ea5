package controllers

import (
	"context"
	"testing"

	"github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/controller/priorityqueue"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// TestWakeupGoesAheadOfRoutinePasses: with drift checks and a new
// KnowledgeBase already in the work queue, a look at a running job and the
// KnowledgeBase whose start slot opened are reconciled first, then the new
// one, then the drift checks.
func TestWakeupGoesAheadOfRoutinePasses(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	q := priorityqueue.New[reconcile.Request]("wakeup-test")
	defer q.ShutDown()
	req := func(name string) reconcile.Request {
		return reconcile.Request{NamespacedName: types.NamespacedName{Namespace: "default", Name: name}}
	}
	routine, metered := routinePriority, meteredPriority
	for _, name := range []string{"drift-1", "drift-2"} {
		q.AddWithOpts(priorityqueue.AddOpts{Priority: &routine}, req(name))
	}
	q.Add(req("just-created")) // an event: controller-runtime's default priority
	q.AddWithOpts(priorityqueue.AddOpts{Priority: &metered}, req("job-running"))
	enqueueWakeup{}.Generic(context.Background(), event.TypedGenericEvent[types.NamespacedName]{
		Object: types.NamespacedName{Namespace: "default", Name: "woken"}}, q)

	var order []string
	for range 5 {
		item, _ := q.Get()
		order = append(order, item.Name)
		q.Done(item)
	}
	g.Expect(order).To(gomega.Equal([]string{"job-running", "woken", "just-created", "drift-1", "drift-2"}),
		"metered work first (in the order it came), then events, then routine passes")
}
