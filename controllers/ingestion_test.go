package controllers

import (
	"context"
	"testing"
	"time"

	"github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/test/bedrockemu"
)

// TestRunbookEndToEnd is INC-2025-KB-001 with kbwarden in place. The vector
// bucket holds the seed's faulty statement (no s3:PutObject) when the daily
// sync, started by someone else, begins: that job is bound to FAIL with
// AccessDenied. kbwarden then sees the KnowledgeBase for the first time. Its
// vector bucket step runs first and repairs the statement at once; the
// ingestion step finds the running job (it looks, it does not assume) and
// waits for it instead of colliding with it. When the job FAILS, kbwarden
// diagnoses it as the runbook does, names the permission the policy the job
// ran against lacked (kept in the policy backup), and, since the cause is
// repaired, starts a new job with trigger Repair, which COMPLETEs. Status,
// events and metrics tell that story in order.
func TestRunbookEndToEnd(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	ctx := context.Background()
	k := runbookIngKB
	setupIngestionKB(t, k, policyOf(seedFaultyStatement(k.vectors)), 3)

	daily := startExternalJob(g, k, "daily sync")

	kb := ingestionKnowledgeBase("ing-runbook", k)
	g.Expect(env.Client.Create(ctx, kb)).To(gomega.Succeed())
	deleteOnCleanup(t, kb)

	var got *kbv1.KnowledgeBase
	g.Eventually(func(g gomega.Gomega) {
		got = get(g, kb)
		j := lastJob(got)
		g.Expect(j.Trigger).To(gomega.Equal("Repair"))
		g.Expect(j.Status).To(gomega.Equal(bedrockemu.StatusComplete))
		c := condition(got, kbv1.IngestionSucceededCondition)
		g.Expect(c).To(gomega.HaveField("Status", metav1.ConditionTrue))
		g.Expect(c).To(gomega.HaveField("Reason", kbv1.SucceededReason))
	}).WithTimeout(45 * time.Second).WithPolling(200 * time.Millisecond).Should(gomega.Succeed())

	jobs := emuJobs(g, k)
	g.Expect(jobs).To(gomega.HaveLen(2), "the daily sync and kbwarden's one Repair job")
	g.Expect(jobs[0].ID).To(gomega.Equal(daily.ID))
	g.Expect(jobs[0].Status).To(gomega.Equal(bedrockemu.StatusFailed))
	g.Expect(jobs[1].StartedAt).NotTo(gomega.BeTemporally("<", jobs[0].UpdatedAt), "kbwarden waited for the daily sync to end")
	g.Expect(got.Status.Ingestion.LastSuccessfulJob.ID).To(gomega.Equal(jobs[1].ID))
	g.Expect(got.Status.Ingestion.LastSuccessfulJob.Statistics.NewIndexed).To(gomega.Equal(int64(3)))
	g.Expect(got.Status.Ingestion.NextScheduledAt).NotTo(gomega.BeNil())

	missing := "vector bucket " + k.vectors + " policy did not allow bedrock.amazonaws.com s3:PutObject"
	g.Eventually(func(g gomega.Gomega) {
		evs := sortedEvents(g, kb)
		g.Expect(evs).To(haveEvent(kbv1.DriftRepairedReason, "lacks s3:PutObject"))
		g.Expect(evs).To(haveEvent(kbv1.AccessDeniedReason, missing))
		g.Expect(evs).To(haveEvent(eventIngestionStarted, "trigger Repair"))
		g.Expect(evs).To(haveEvent(eventIngestionRecovered, jobs[1].ID))
		g.Expect(reasonsOf(evs)).To(gomega.ContainElements(kbv1.DriftRepairedReason, kbv1.AccessDeniedReason, eventIngestionStarted, eventIngestionRecovered))
		order := map[string]int{}
		for i, e := range evs {
			if _, seen := order[e.Reason]; !seen {
				order[e.Reason] = i
			}
		}
		g.Expect(order[kbv1.AccessDeniedReason]).To(gomega.BeNumerically("<", order[eventIngestionRecovered]))
	}).WithTimeout(10 * time.Second).Should(gomega.Succeed())

	g.Expect(failedJobs(g, kb, kbv1.AccessDeniedReason)).To(gomega.Equal(1.0))
	g.Expect(startedJobs(g, kb, "Repair")).To(gomega.Equal(1.0))
	g.Expect(lastSuccessGauge(g, kb)).To(gomega.BeNumerically("~", float64(jobs[1].UpdatedAt.Unix()), 1))
}

// TestIngestionAccessDeniedObserve: with driftPolicy Observe kbwarden
// repairs nothing, so a job that fails on the faulty policy is explained
// with the live policy's exact gap and not retried; when a person fixes the
// policy (the runbook's corrected statement), that repair of the cause
// starts one job with trigger Repair.
func TestIngestionAccessDeniedObserve(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	ctx := context.Background()
	k := observeIngKB
	setupIngestionKB(t, k, policyOf(seedFaultyStatement(k.vectors)), 2)
	kb := ingestionKnowledgeBase("ing-observe", k)
	kb.Spec.DriftPolicy = kbv1.DriftObserve
	kb.Spec.Interval = metav1.Duration{Duration: time.Second}
	g.Expect(env.Client.Create(ctx, kb)).To(gomega.Succeed())
	deleteOnCleanup(t, kb)

	eventually(g, func(g gomega.Gomega) {
		c := condition(get(g, kb), kbv1.IngestionSucceededCondition)
		g.Expect(c).To(gomega.HaveField("Reason", kbv1.AccessDeniedReason))
		g.Expect(c.Message).To(gomega.ContainSubstring("vector bucket " + k.vectors + " policy does not allow bedrock.amazonaws.com s3:PutObject"))
		g.Expect(c.Message).To(gomega.ContainSubstring("driftPolicy Observe"))
	}).Should(gomega.Succeed())
	g.Consistently(func(g gomega.Gomega) { g.Expect(emuJobs(g, k)).To(gomega.HaveLen(1)) }).
		WithTimeout(3*time.Second).WithPolling(200*time.Millisecond).Should(gomega.Succeed(), "a failure is not retried while its cause remains")

	putPolicy(t, k.vectors, policyOf(seedCorrectStatement(k.vectors)))
	eventually(g, func(g gomega.Gomega) {
		j := lastJob(get(g, kb))
		g.Expect(j.Trigger).To(gomega.Equal("Repair"))
		g.Expect(j.Status).To(gomega.Equal(bedrockemu.StatusComplete))
	}).Should(gomega.Succeed())
	g.Expect(emuJobs(g, k)).To(gomega.HaveLen(2))
}
