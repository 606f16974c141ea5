package controllers

import (
	"context"
	"testing"
	"time"

	"github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
)

// kstatusOf computes the kstatus status of obj as Flux, Argo CD and kubectl
// wait tooling would.
func kstatusOf(g gomega.Gomega, obj *kbv1.KnowledgeBase) status.Status {
	raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	g.Expect(err).NotTo(gomega.HaveOccurred())
	res, err := status.Compute(&unstructured.Unstructured{Object: raw})
	g.Expect(err).NotTo(gomega.HaveOccurred())
	return res.Status
}

func get(g gomega.Gomega, kb *kbv1.KnowledgeBase) *kbv1.KnowledgeBase {
	out := &kbv1.KnowledgeBase{}
	g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(kb), out)).To(gomega.Succeed())
	return out
}

func condition(kb *kbv1.KnowledgeBase, t string) *metav1.Condition {
	return apimeta.FindStatusCondition(kb.Status.Conditions, t)
}

// TestLifecycle runs a KnowledgeBase through the manager: it gets the
// finalizer, observedGeneration and kstatus-correct conditions, becomes Ready
// once its bucket, ACL and first ingestion job are in order, stops work when
// suspended, echoes the manual trigger, and is deleted through its finalizer.
func TestLifecycle(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	ctx := context.Background()
	createBucket(t, lifecycleKB.vectors, "")
	createBucket(t, lifecycleKB.docs, "")
	kb := newKnowledgeBase("lifecycle")
	kb.Spec.Bedrock = &kbv1.BedrockSpec{KnowledgeBaseID: lifecycleKB.kbID, DataSourceID: lifecycleKB.dsID}
	kb.Spec.VectorBucket.Name, kb.Spec.Documents.Bucket = lifecycleKB.vectors, lifecycleKB.docs
	g.Expect(env.Client.Create(ctx, kb)).To(gomega.Succeed())

	fresh := get(g, kb)
	g.Expect(fresh.Status.ObservedGeneration).To(gomega.Equal(int64(-1)), "status.observedGeneration defaults to -1")
	g.Expect(kstatusOf(g, fresh)).To(gomega.Equal(status.InProgressStatus))

	eventually(g, func(g gomega.Gomega) {
		got := get(g, kb)
		g.Expect(got.Finalizers).To(gomega.ContainElement(kbv1.Finalizer))
		g.Expect(got.Status.ObservedGeneration).To(gomega.Equal(got.Generation))
		g.Expect(condition(got, kbv1.VectorBucketPolicyInSyncCondition).Status).To(gomega.Equal(metav1.ConditionTrue))
		g.Expect(condition(got, kbv1.AccessControlInSyncCondition).Reason).To(gomega.Equal(kbv1.DisabledReason))
		g.Expect(condition(got, kbv1.IngestionSucceededCondition).Status).To(gomega.Equal(metav1.ConditionTrue))
		ready := condition(got, kbv1.ReadyCondition)
		g.Expect(ready).To(gomega.HaveField("Status", metav1.ConditionTrue))
		g.Expect(condition(got, kbv1.ReconcilingCondition)).To(gomega.BeNil())
		g.Expect(condition(got, kbv1.StalledCondition)).To(gomega.BeNil())
		g.Expect(kstatusOf(g, got)).To(gomega.Equal(status.CurrentStatus))
	}).Should(gomega.Succeed())

	// Suspend: Ready says so, nothing else runs.
	g.Expect(updateKB(ctx, kb, func(kb *kbv1.KnowledgeBase) { kb.Spec.Suspend = true })).To(gomega.Succeed())
	eventually(g, func(g gomega.Gomega) {
		got := get(g, kb)
		g.Expect(got.Status.ObservedGeneration).To(gomega.Equal(got.Generation))
		g.Expect(condition(got, kbv1.ReadyCondition).Reason).To(gomega.Equal(kbv1.SuspendedReason))
	}).Should(gomega.Succeed())

	// A manual trigger while suspended is not handled.
	g.Expect(updateKB(ctx, kb, func(kb *kbv1.KnowledgeBase) {
		kb.Annotations = map[string]string{kbv1.RequestedAtAnnotation: "first"}
	})).To(gomega.Succeed())
	g.Consistently(func() string { return get(g, kb).Status.LastHandledRequestedAt }).
		WithTimeout(2 * time.Second).Should(gomega.BeEmpty())

	// Resume: the pending trigger is handled and echoed.
	g.Expect(updateKB(ctx, kb, func(kb *kbv1.KnowledgeBase) { kb.Spec.Suspend = false })).To(gomega.Succeed())
	eventually(g, func(g gomega.Gomega) {
		got := get(g, kb)
		g.Expect(got.Status.LastHandledRequestedAt).To(gomega.Equal("first"))
		g.Expect(got.Status.Ingestion.LastJob.Trigger).To(gomega.Equal("Manual"))
		g.Expect(condition(got, kbv1.ReadyCondition).Status).To(gomega.Equal(metav1.ConditionTrue))
		for _, c := range got.Status.Conditions {
			g.Expect(c.ObservedGeneration).To(gomega.Equal(got.Generation), "condition %s is current (kubectl wait checks)", c.Type)
		}
	}).Should(gomega.Succeed())

	// Delete with the finalizer present completes.
	g.Expect(env.Client.Delete(ctx, kb)).To(gomega.Succeed())
	eventually(g, func() bool {
		return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKeyFromObject(kb), &kbv1.KnowledgeBase{}))
	}).Should(gomega.BeTrue())
}
