package controllers

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/testenv"
)

// TestFinish checks how each outcome of a reconcile becomes conditions,
// kstatus, events, and what controller-runtime is told.
func TestFinish(t *testing.T) {
	t.Parallel()
	allTrue := func(kb *kbv1.KnowledgeBase) {
		for _, c := range kbv1.ConcernConditions {
			markTrue(kb, c, kbv1.SucceededReason, "ok")
		}
	}
	tests := map[string]struct {
		prepare     func(*kbv1.KnowledgeBase)
		err         error
		wantKstatus status.Status
		wantReady   metav1.ConditionStatus
		wantReason  string
		wantResult  ctrl.Result // without its Priority, which wantMetered says
		wantMetered bool        // the next look goes ahead of routine passes
		wantErr     bool
		wantEvent   string // prefix of the one event expected, or empty for none
	}{
		"every concern true is Ready and Current": {
			prepare: allTrue, wantKstatus: status.CurrentStatus,
			wantReady: metav1.ConditionTrue, wantReason: kbv1.SucceededReason, wantEvent: "Normal Succeeded",
		},
		"a false concern makes Ready false with its reason": {
			prepare: func(kb *kbv1.KnowledgeBase) {
				// Each condition set once, as a pass does: setting it True
				// and then False would move its transition time whenever the
				// two calls straddle a second.
				for _, c := range kbv1.ConcernConditions {
					if c != kbv1.VectorBucketPolicyInSyncCondition {
						markTrue(kb, c, kbv1.SucceededReason, "ok")
					}
				}
				markFalse(kb, kbv1.VectorBucketPolicyInSyncCondition, kbv1.DriftedReason, "statement lacks s3:PutObject")
			},
			wantKstatus: status.InProgressStatus, wantReady: metav1.ConditionFalse, wantReason: kbv1.DriftedReason,
			wantEvent: "Warning Drifted",
		},
		"a stalling error is Stalled, Failed, and not retried": {
			prepare: allTrue, err: stalling(kbv1.BucketNotFoundReason, "bucket b does not exist"),
			wantKstatus: status.FailedStatus, wantReady: metav1.ConditionFalse, wantReason: kbv1.BucketNotFoundReason,
			wantEvent: "Warning BucketNotFound",
		},
		"a waiting error requeues after its delay and is Reconciling": {
			prepare: allTrue, err: waiting(kbv1.IngestionInProgressReason, 30*time.Second, "job running"),
			wantKstatus: status.InProgressStatus, wantReady: metav1.ConditionTrue, wantReason: kbv1.SucceededReason,
			wantResult: ctrl.Result{RequeueAfter: 30 * time.Second}, wantEvent: "Normal Succeeded",
		},
		"a wait on the ingestion quota requeues ahead of routine passes": {
			prepare: allTrue, err: waitingMetered(kbv1.IngestionInProgressReason, 2*time.Second, "job running"),
			wantKstatus: status.InProgressStatus, wantReady: metav1.ConditionTrue, wantReason: kbv1.SucceededReason,
			wantResult: ctrl.Result{RequeueAfter: 2 * time.Second}, wantMetered: true, wantEvent: "Normal Succeeded",
		},
		"a transient error is returned for backoff and is Reconciling": {
			prepare: allTrue, err: transient(kbv1.ThrottledReason, "SlowDown"),
			wantKstatus: status.InProgressStatus, wantReady: metav1.ConditionTrue, wantReason: kbv1.SucceededReason,
			wantErr: true, wantEvent: "Normal Succeeded",
		},
		"an untyped error is returned too": {
			prepare: allTrue, err: errors.New("boom"),
			wantKstatus: status.InProgressStatus, wantReady: metav1.ConditionTrue, wantReason: kbv1.SucceededReason,
			wantErr: true, wantEvent: "Normal Succeeded",
		},
		"suspended says so and is not Reconciling": {
			prepare: func(kb *kbv1.KnowledgeBase) {
				kb.Spec.Suspend = true
				markTrue(kb, kbv1.ReconcilingCondition, kbv1.ProgressingReason, "was busy")
			},
			wantKstatus: status.InProgressStatus, wantReady: metav1.ConditionFalse, wantReason: kbv1.SuspendedReason,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := gomega.NewWithT(t)
			kb := newKnowledgeBase("finish")
			kb.Generation = 3
			c := fake.NewClientBuilder().WithScheme(testenv.Scheme()).WithObjects(kb).WithStatusSubresource(kb).Build()
			rec := events.NewFakeRecorder(10)
			r := NewKnowledgeBaseReconciler(Config{Client: c, Recorder: rec})

			before := kb.DeepCopy()
			obj := kb.DeepCopy()
			tc.prepare(obj)
			res, err := r.finish(context.Background(), before, obj, ctrl.Result{}, tc.err)

			g.Expect(err != nil).To(gomega.Equal(tc.wantErr))
			wantPriority := routinePriority
			if tc.wantMetered {
				wantPriority = meteredPriority
			}
			g.Expect(res.Priority).To(gomega.HaveValue(gomega.Equal(wantPriority)), "the next look's priority")
			res.Priority = nil
			g.Expect(res).To(gomega.Equal(tc.wantResult))
			stored := &kbv1.KnowledgeBase{}
			g.Expect(c.Get(context.Background(), client.ObjectKeyFromObject(kb), stored)).To(gomega.Succeed())
			g.Expect(stored.Status.ObservedGeneration).To(gomega.Equal(int64(3)))
			ready := condition(stored, kbv1.ReadyCondition)
			g.Expect(ready.Status).To(gomega.Equal(tc.wantReady))
			g.Expect(ready.Reason).To(gomega.Equal(tc.wantReason))
			g.Expect(kstatusOf(g, stored)).To(gomega.Equal(tc.wantKstatus))
			if tc.wantEvent == "" {
				g.Expect(rec.Events).To(gomega.BeEmpty())
			} else {
				g.Expect(rec.Events).To(gomega.Receive(gomega.HavePrefix(tc.wantEvent)))
			}

			// The same outcome again changes nothing: no write, no event.
			again := stored.DeepCopy()
			tc.prepare(again)
			_, _ = r.finish(context.Background(), stored.DeepCopy(), again, ctrl.Result{}, tc.err)
			g.Expect(again.Status).To(gomega.Equal(stored.Status))
			g.Expect(rec.Events).To(gomega.BeEmpty())
		})
	}
}

// TestFinishRefusesAStaleRead: a pass that read an older copy than the
// stored one (the cache had not yet seen the previous pass's status write)
// must not write its status: a merge patch replaces the whole conditions
// list, so it would put back conditions the previous pass had moved on
// from. It is looked at again soon instead, and records no event.
func TestFinishRefusesAStaleRead(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	ctx := context.Background()
	kb := newKnowledgeBase("finish-stale")
	kb.Generation = 1
	for _, c := range kbv1.ConcernConditions {
		markFalse(kb, c, kbv1.AccountBindingNotReadyReason, "AccountBinding team-a is not verified yet")
	}
	c := fake.NewClientBuilder().WithScheme(testenv.Scheme()).WithObjects(kb).WithStatusSubresource(kb).Build()
	rec := events.NewFakeRecorder(10)
	r := NewKnowledgeBaseReconciler(Config{Client: c, Recorder: rec})
	stale := &kbv1.KnowledgeBase{}
	g.Expect(c.Get(ctx, client.ObjectKeyFromObject(kb), stale)).To(gomega.Succeed())

	// The binding was verified: a pass brings every concern in sync.
	fresh := stale.DeepCopy()
	for _, t := range kbv1.ConcernConditions {
		markTrue(fresh, t, kbv1.SucceededReason, "ok")
	}
	_, err := r.finish(ctx, stale.DeepCopy(), fresh, ctrl.Result{}, nil)
	g.Expect(err).NotTo(gomega.HaveOccurred())
	g.Expect(rec.Events).To(gomega.Receive(gomega.HavePrefix("Normal Succeeded")))
	written := &kbv1.KnowledgeBase{}
	g.Expect(c.Get(ctx, client.ObjectKeyFromObject(kb), written)).To(gomega.Succeed())

	// The next pass reads the cache's older copy. Its drift checks are not
	// due, so it keeps the policy condition as it found it (not verified
	// yet), and it re-lists the documents: AccessControlInSync is True.
	late := stale.DeepCopy()
	markTrue(late, kbv1.AccessControlInSyncCondition, kbv1.SucceededReason, "ok")
	res, err := r.finish(ctx, stale.DeepCopy(), late, ctrl.Result{}, nil)
	g.Expect(err).NotTo(gomega.HaveOccurred())
	g.Expect(res).To(gomega.Equal(ctrl.Result{RequeueAfter: staleReadRetry, Priority: priorityOf(changedPriority)}),
		"looked at again like an event: not at the priority of a wait it came from")
	stored := &kbv1.KnowledgeBase{}
	g.Expect(c.Get(ctx, client.ObjectKeyFromObject(kb), stored)).To(gomega.Succeed())
	g.Expect(stored.Status).To(gomega.Equal(written.Status), "the older copy's conditions were written back")
	g.Expect(rec.Events).To(gomega.BeEmpty())
}
