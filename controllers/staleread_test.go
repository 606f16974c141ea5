package controllers

import (
	"context"
	"testing"
	"time"

	"github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/testenv"
)

// laggingCache is a client whose reads return a copy the test set, as the
// manager's cache does for a moment after a write, and which counts writes.
type laggingCache struct {
	client.Client
	copy   *kbv1.KnowledgeBase
	writes int
}

func (c *laggingCache) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if kb, ok := obj.(*kbv1.KnowledgeBase); ok && c.copy != nil {
		c.copy.DeepCopyInto(kb)
		return nil
	}
	return c.Client.Get(ctx, key, obj, opts...)
}

func (c *laggingCache) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	c.writes++
	return c.Client.Patch(ctx, obj, patch, opts...)
}

func (c *laggingCache) Status() client.SubResourceWriter {
	return &countingStatus{SubResourceWriter: c.Client.Status(), writes: &c.writes}
}

type countingStatus struct {
	client.SubResourceWriter
	writes *int
}

func (s *countingStatus) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
	*s.writes++
	return s.SubResourceWriter.Patch(ctx, obj, patch, opts...)
}

// TestReconcileSkipsACopyOlderThanItsOwnWrite: right after a pass wrote
// status, the cache may still hand out the copy that pass read. The next
// pass does nothing on it (no write, so no AWS call either: it stops before
// the steps) and looks again soon, instead of deciding from the status
// before the write (in the tenancy suite: "AccountBinding not verified
// yet", or starting the ingestion job the previous pass had started).
func TestReconcileSkipsACopyOlderThanItsOwnWrite(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	ctx := context.Background()
	kb := newKnowledgeBase("stale-read")
	kb.Generation = 1
	c := &laggingCache{Client: fake.NewClientBuilder().WithScheme(testenv.Scheme()).WithObjects(kb).WithStatusSubresource(kb).Build()}
	// No AWS configuration: the pass stalls in the preconditions step, and
	// writes the finalizer and its status.
	r := NewKnowledgeBaseReconciler(Config{Client: c})
	read := &kbv1.KnowledgeBase{}
	g.Expect(c.Get(ctx, client.ObjectKeyFromObject(kb), read)).To(gomega.Succeed())
	req := ctrl.Request{NamespacedName: client.ObjectKeyFromObject(kb)}

	_, err := r.Reconcile(ctx, req)
	g.Expect(err).NotTo(gomega.HaveOccurred())
	g.Expect(c.writes).To(gomega.Equal(2), "the finalizer and the status")
	written := &kbv1.KnowledgeBase{}
	g.Expect(c.Get(ctx, client.ObjectKeyFromObject(kb), written)).To(gomega.Succeed())
	g.Expect(condition(written, kbv1.StalledCondition)).NotTo(gomega.BeNil())

	c.copy, c.writes = read, 0
	res, err := r.Reconcile(ctx, req)
	g.Expect(err).NotTo(gomega.HaveOccurred())
	g.Expect(res).To(gomega.Equal(ctrl.Result{RequeueAfter: staleReadRetry, Priority: priorityOf(changedPriority)}))
	g.Expect(c.writes).To(gomega.BeZero(), "a pass on the older copy writes nothing")

	// Once the cache has caught up, passes run again.
	c.copy = nil
	_, err = r.Reconcile(ctx, req)
	g.Expect(err).NotTo(gomega.HaveOccurred())
	stored := &kbv1.KnowledgeBase{}
	g.Expect(c.Get(ctx, client.ObjectKeyFromObject(kb), stored)).To(gomega.Succeed())
	g.Expect(stored.Status).To(gomega.Equal(written.Status))
}

// TestAnEmptyStatusWriteSupersedesNothing: a status that differs from the
// stored one only below the second (times are stored to the second) is
// patched, the API server finds nothing to change and keeps the
// resourceVersion, and the copy read stays the current one: later passes
// on it must run, not be taken for stale forever.
func TestAnEmptyStatusWriteSupersedesNothing(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	ctx := context.Background()
	kb := newKnowledgeBase("stale-empty-write")
	kb.Spec.Suspend = true // the manager writes its status once and leaves it
	g.Expect(env.Client.Create(ctx, kb)).To(gomega.Succeed())
	deleteOnCleanup(t, kb)
	read := &kbv1.KnowledgeBase{}
	eventually(g, func(g gomega.Gomega) {
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(kb), read)).To(gomega.Succeed())
		g.Expect(condition(read, kbv1.ReadyCondition)).To(gomega.HaveField("Reason", kbv1.SuspendedReason))
	}).Should(gomega.Succeed())

	r := NewKnowledgeBaseReconciler(Config{Client: env.Client})
	obj := read.DeepCopy()
	ready := condition(obj, kbv1.ReadyCondition)
	ready.LastTransitionTime = metav1.NewTime(ready.LastTransitionTime.Add(time.Millisecond))
	_, err := r.finish(ctx, read.DeepCopy(), obj, ctrl.Result{}, nil)
	g.Expect(err).NotTo(gomega.HaveOccurred())
	g.Expect(obj.ResourceVersion).To(gomega.Equal(read.ResourceVersion), "the API server found nothing to write")
	g.Expect(r.stale.stale(read.UID, read.ResourceVersion)).To(gomega.BeFalse(), "the copy read is still the current one")
}
