package controllers

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/bucketpolicy"
	"github.com/kbwarden/kbwarden/internal/testenv"
	"github.com/kbwarden/kbwarden/test/bedrockemu"
)

// firstJobDone creates kb over k and waits for its first job (trigger
// Interval: no job was known) to complete.
func firstJobDone(t *testing.T, g gomega.Gomega, kb *kbv1.KnowledgeBase, k ingestionKB) {
	g.Expect(env.Client.Create(context.Background(), kb)).To(gomega.Succeed())
	deleteOnCleanup(t, kb)
	eventually(g, func(g gomega.Gomega) {
		c := condition(get(g, kb), kbv1.IngestionSucceededCondition)
		g.Expect(c).To(gomega.HaveField("Reason", kbv1.SucceededReason))
	}).Should(gomega.Succeed())
	g.Expect(emuJobs(g, k)).To(gomega.HaveLen(1))
}

// TestIngestionManualAndInterval: an unchanged KnowledgeBase starts no job
// until its interval passes, then exactly one; the manual annotation starts
// exactly one and is echoed in status.lastHandledRequestedAt.
func TestIngestionManualAndInterval(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	ctx := context.Background()
	k := quietIngKB
	setupIngestionKB(t, k, "", 2)
	kb := ingestionKnowledgeBase("ing-quiet", k)
	kb.Spec.Interval = metav1.Duration{Duration: time.Second}
	const every = 5 * time.Second
	kb.Spec.Ingestion = &kbv1.IngestionSpec{Interval: metav1.Duration{Duration: every}}
	firstJobDone(t, g, kb, k)

	g.Eventually(func(g gomega.Gomega) {
		g.Expect(emuJobs(g, k)).To(gomega.HaveLen(2))
		g.Expect(lastJob(get(g, kb)).Trigger).To(gomega.Equal("Interval"))
	}).WithTimeout(20 * time.Second).WithPolling(250 * time.Millisecond).Should(gomega.Succeed())
	// Nothing changed, so the second job waited for the interval after the
	// first one ended (status keeps that end to the second: one second slack).
	jobs := emuJobs(g, k)
	g.Expect(jobs[1].StartedAt).To(gomega.BeTemporally(">=", jobs[0].UpdatedAt.Add(every-time.Second)), "no job before the interval")

	g.Expect(updateKB(ctx, kb, func(kb *kbv1.KnowledgeBase) {
		kb.Annotations = map[string]string{kbv1.RequestedAtAnnotation: "2025-10-20T12:00:00Z"}
	})).To(gomega.Succeed())
	eventually(g, func(g gomega.Gomega) {
		got := get(g, kb)
		g.Expect(got.Status.LastHandledRequestedAt).To(gomega.Equal("2025-10-20T12:00:00Z"))
		g.Expect(lastJob(got).Trigger).To(gomega.Equal("Manual"))
		g.Expect(lastJob(got).Status).To(gomega.Equal(bedrockemu.StatusComplete))
	}).Should(gomega.Succeed())
	g.Consistently(func(g gomega.Gomega) { g.Expect(emuJobs(g, k)).To(gomega.HaveLen(3)) }).
		WithTimeout(2*time.Second).Should(gomega.Succeed(), "one job per manual request")
	g.Expect(startedJobs(g, kb, "Manual")).To(gomega.Equal(1.0))
}

// TestIngestionWaitsForExternalJob: a job someone else started is found,
// reported (trigger External) and waited for; the manual request made
// meanwhile stays pending, then starts exactly one job, never a colliding
// one.
func TestIngestionWaitsForExternalJob(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	ctx := context.Background()
	k := extIngKB
	ext, release := seedWithHeldJob(t, g, k, 1, "started in the console")
	defer release()

	kb := ingestionKnowledgeBase("ing-external", k)
	kb.Annotations = map[string]string{kbv1.RequestedAtAnnotation: "now"}
	g.Expect(env.Client.Create(ctx, kb)).To(gomega.Succeed())
	deleteOnCleanup(t, kb)
	eventually(g, func(g gomega.Gomega) {
		got := get(g, kb)
		g.Expect(lastJob(got).ID).To(gomega.Equal(ext.ID))
		g.Expect(lastJob(got).Trigger).To(gomega.Equal("External"))
		g.Expect(got.Status.LastHandledRequestedAt).To(gomega.BeEmpty(), "pending while the external job runs")
	}).Should(gomega.Succeed())
	release()
	eventually(g, func(g gomega.Gomega) {
		got := get(g, kb)
		g.Expect(lastJob(got).Trigger).To(gomega.Equal("Manual"))
		g.Expect(got.Status.LastHandledRequestedAt).To(gomega.Equal("now"))
	}).Should(gomega.Succeed())
	jobs := emuJobs(g, k)
	g.Expect(jobs).To(gomega.HaveLen(2))
	g.Expect(jobs[1].StartedAt).NotTo(gomega.BeTemporally("<", jobs[0].UpdatedAt))
	g.Expect(startedJobs(g, kb, "Manual")).To(gomega.Equal(1.0))
}

// seedWithHeldJob creates k's buckets with docs documents and the
// corrected policy, and starts a job on it as someone else would, which
// runs until release is called.
func seedWithHeldJob(t *testing.T, g gomega.Gomega, k ingestionKB, docs int, description string) (bedrockemu.Job, func()) {
	t.Helper()
	setupIngestionKB(t, k, "", docs)
	createCorrect(t, k)
	return startHeldExternalJob(g, k, description)
}

// createCorrect replaces k's vector bucket policy by the corrected one.
func createCorrect(t *testing.T, k ingestionKB) {
	putPolicy(t, k.vectors, policyOf(seedCorrectStatement(k.vectors)))
}

// TestIngestionRestartAfterStart simulates a controller killed between
// StartIngestionJob and its status patch: a second controller runs the
// step from the status as it was stored before, after the job already
// ended (so no running job is found), sends the same clientToken, and gets
// the same job back. The manager leaves this KnowledgeBase alone
// (suspended); the steps are run directly.
func TestIngestionRestartAfterStart(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	ctx := context.Background()
	k := restartIngKB
	setupIngestionKB(t, k, "", 1)
	createCorrect(t, k)
	kb := ingestionKnowledgeBase("ing-restart", k)
	kb.Spec.Suspend = true
	g.Expect(env.Client.Create(ctx, kb)).To(gomega.Succeed())
	deleteOnCleanup(t, kb)
	step := newIngestionStep(testIngestionOptions, recorder{}, clock.RealClock{}, ingestionChecks{policy: newDriftCheckLog(), acl: newDriftCheckLog()})
	// The second controller has its own clients, so its calls are counted
	// apart from the manager's (which runs the other tests in parallel).
	own := testenv.NewRequestCounter()
	cfg := env.AWS.Copy()
	own.Install(&cfg)
	factory := newFactory(cfg)
	pass := func(obj *kbv1.KnowledgeBase) error {
		for {
			err := step.reconcile(ctx, obj, directPass(t, factory, obj))
			var w *WaitingError
			// Pending and Throttled are retried, as the manager would: this
			// reconciler has its own start queue, like a restarted process,
			// so the emulator's quota can throttle it.
			if !errors.As(err, &w) || (w.Reason != kbv1.IngestionPendingReason && w.Reason != kbv1.ThrottledReason) {
				return err
			}
			// Without the manager no wakeup comes: ask again soon, as
			// the woken reconcile would.
			time.Sleep(min(w.RequeueAfter, 100*time.Millisecond))
		}
	}
	obj := get(g, kb)
	g.Expect(pass(obj)).To(gomega.MatchError(gomega.ContainSubstring("is STARTING")))
	waitEnded := func() {
		eventually(g, func(g gomega.Gomega) {
			for _, j := range emuJobs(g, k) {
				g.Expect(j.Status).To(gomega.BeElementOf(bedrockemu.StatusComplete, bedrockemu.StatusFailed))
			}
		}).Should(gomega.Succeed())
	}
	waitEnded()
	g.Expect(pass(obj)).To(gomega.Succeed())
	g.Expect(lastJob(obj).Status).To(gomega.Equal(bedrockemu.StatusComplete))

	obj.Annotations = map[string]string{kbv1.RequestedAtAnnotation: "again"}
	stored := obj.DeepCopy() // the status a killed controller leaves behind
	g.Expect(pass(obj)).To(gomega.MatchError(gomega.ContainSubstring("is STARTING")))
	manual := lastJob(obj).ID
	waitEnded()

	startsBefore := own.Count("StartIngestionJob", "")
	restarted := stored.DeepCopy()
	err := pass(restarted)
	g.Expect(err).To(gomega.Succeed())
	g.Expect(own.Count("StartIngestionJob", "")).To(gomega.BeNumerically(">", startsBefore), "the restarted controller did call StartIngestionJob")
	g.Expect(lastJob(restarted).ID).To(gomega.Equal(manual), "and got the same job back")
	g.Expect(emuJobs(g, k)).To(gomega.HaveLen(2), "one Interval job and one Manual job: no second Manual job")
	g.Expect(restarted.Status.LastHandledRequestedAt).To(gomega.Equal("again"))

	// Status lost entirely: the step adopts the job from ListIngestionJobs,
	// recovering its trigger from the description, and starts nothing.
	lost := stored.DeepCopy()
	lost.Status = kbv1.KnowledgeBaseStatus{}
	lost.Annotations = nil
	g.Expect(pass(lost)).To(gomega.Succeed())
	g.Expect(lastJob(lost).ID).To(gomega.Equal(manual))
	g.Expect(lastJob(lost).Trigger).To(gomega.Equal("Manual"))
	g.Expect(emuJobs(g, k)).To(gomega.HaveLen(2))
}

// TestWaitingOnAJobCostsNoS3Call: while a job runs, the KnowledgeBase is
// looked at every few hundred milliseconds, and none of those looks calls
// S3: the policy, versioning and ACL checks are each due once per interval
// (an hour here), not at every poll.
func TestWaitingOnAJobCostsNoS3Call(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	k := waitIngKB
	ext, release := seedWithHeldJob(t, g, k, 2, "the daily sync")
	defer release()

	kb := ingestionKnowledgeBase("ing-wait", k)
	kb.Spec.Interval = metav1.Duration{Duration: time.Hour}
	kb.Spec.AccessControl = &kbv1.AccessControlSpec{Mode: kbv1.AccessControlPerDocument,
		Rules: []kbv1.ACLRule{{Prefix: "docs/", Allow: []kbv1.ACLEntry{group("staff")}}}}
	g.Expect(env.Client.Create(context.Background(), kb)).To(gomega.Succeed())
	deleteOnCleanup(t, kb)
	eventually(g, func(g gomega.Gomega) {
		got := get(g, kb)
		g.Expect(lastJob(got).ID).To(gomega.Equal(ext.ID))
		g.Expect(condition(got, kbv1.AccessControlInSyncCondition)).To(gomega.HaveField("Status", metav1.ConditionTrue))
	}).Should(gomega.Succeed())

	// The window lasts until this job was looked at three more times
	// (PollMin is 200ms, growing with the job's age to PollMax, 1s), however
	// late the looks come on a loaded machine.
	kbArn := bucketpolicy.KnowledgeBaseARN("aws", testenv.Region, testenv.AccountID, k.kbID)
	vectors, docs := calls.ForBucket(k.vectors), calls.ForBucket(k.docs)
	polls := calls.CountOn("GetIngestionJob", kbArn)
	eventually(g, func(g gomega.Gomega) {
		g.Expect(calls.CountOn("GetIngestionJob", kbArn) - polls).To(gomega.BeNumerically(">=", 3))
	}).Should(gomega.Succeed())
	g.Expect(delta(k.vectors, vectors)).To(gomega.BeEmpty(), "no call on the vector bucket while the job runs")
	g.Expect(delta(k.docs, docs)).To(gomega.BeEmpty(), "no call on the documents bucket while the job runs")
	g.Expect(lastJob(get(g, kb)).Status).NotTo(gomega.Equal(bedrockemu.StatusComplete), "still running: the window was a wait")
}
