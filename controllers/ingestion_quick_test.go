package controllers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagent"
	"github.com/onsi/gomega"
	dto "github.com/prometheus/client_model/go"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	clocktesting "k8s.io/utils/clock/testing"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/awsclient"
	"github.com/kbwarden/kbwarden/internal/metrics"
	"github.com/kbwarden/kbwarden/internal/quick"
	"github.com/kbwarden/kbwarden/internal/testenv"
	"github.com/kbwarden/kbwarden/test/quickemu"
)

// quickWorld runs the steps of a spec.quick KnowledgeBase as a reconcile
// does, against moto and a Quick emulator of its own, both on one fake
// clock: kbwarden's view of time and Quick's refresh schedule move
// together, and a test moves them, never sleeps.
type quickWorld struct {
	*stepWorld
	emu    *quickemu.Server
	events *events.FakeRecorder
	steps  []step
	quick  *quickIngestionStep
}

func newQuickWorld(t *testing.T, cfg quickemu.Config) *quickWorld {
	t.Helper()
	w := &quickWorld{stepWorld: &stepWorld{calls: testenv.NewRequestCounter(), clock: clocktesting.NewFakeClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))},
		events: events.NewFakeRecorder(100)}
	awsCfg := env.AWS.Copy()
	cfg.Region, cfg.S3Endpoint, cfg.AWS, cfg.Clock = testenv.Region, env.Moto.Endpoint, &awsCfg, w.clock
	srv, err := quickemu.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	w.emu = srv
	counted := env.AWS.Copy()
	w.calls.Install(&counted)
	calls.Install(&counted) // the suite's IAM policy check covers these calls too
	w.factory = awsclient.NewFactory(counted, "", true,
		awsclient.WithBedrockAgentOptions(func(o *bedrockagent.Options) { o.BaseEndpoint = aws.String(emu.URL()) }),
		awsclient.WithQuickOptions(func(o *quick.Options) { o.BaseEndpoint = aws.String(srv.URL()) }))
	ev := recorder{w.events}
	access := newAccessControlStep(ev, w.clock)
	w.quick = newQuickIngestionStep(testIngestionOptions, ev, w.clock, access.checks)
	w.steps = []step{newVectorBucketPolicyStep(env.Client, env.Client, ev, w.clock), newVersioningStep(ev, w.clock), access, w.quick}
	return w
}

// reconcile runs one pass (preconditions, then every step) and computes
// Ready, as Reconcile and finish do; it returns the first step's error.
func (w *quickWorld) reconcile(t *testing.T, kb *kbv1.KnowledgeBase) error {
	t.Helper()
	p := w.pass(t, kb)
	defer summarizeReady(kb)
	for _, s := range w.steps {
		if err := s.reconcile(context.Background(), kb, p); err != nil {
			return err
		}
	}
	return p.gate.first()
}

// seed adds a Quick knowledge base over bucket's docs/ to the emulator.
func (w *quickWorld) seed(t *testing.T, id, bucket string, mode quickemu.ACLMode, schedule *quickemu.Schedule) {
	t.Helper()
	if err := w.emu.AddKnowledgeBase(quickemu.KnowledgeBase{AccountID: testenv.AccountID, ID: id, Bucket: bucket, Prefix: "docs/",
		AccessControl: mode, Schedule: schedule}); err != nil {
		t.Fatal(err)
	}
}

// totalCalls is the number of AWS calls the steps made so far.
func (w *quickWorld) totalCalls() int {
	n := 0
	for _, op := range w.calls.Operations() {
		n += w.calls.Count(op, "")
	}
	return n
}

// eventsSeen drains the events recorded so far.
func (w *quickWorld) eventsSeen() []string {
	var out []string
	for {
		select {
		case e := <-w.events.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

// quickKnowledgeBase is a spec.quick KnowledgeBase on the Quick knowledge
// base id over bucket's docs/, with per-document ACLs, never stored in the
// API server (the steps run on it directly).
func quickKnowledgeBase(name, id, bucket string, schedule *kbv1.RefreshScheduleSpec, rules ...kbv1.ACLRule) *kbv1.KnowledgeBase {
	kb := &kbv1.KnowledgeBase{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name, UID: types.UID("uid-" + name), Generation: 1},
		Spec: kbv1.KnowledgeBaseSpec{
			Quick:  &kbv1.QuickSpec{KnowledgeBaseID: id},
			Region: testenv.Region, AccountID: testenv.AccountID,
			Documents:     kbv1.DocumentsSpec{Bucket: bucket, Prefix: "docs/"},
			AccessControl: &kbv1.AccessControlSpec{Mode: kbv1.AccessControlPerDocument, Format: kbv1.ACLFormatQuick, Rules: rules},
		}}
	if schedule != nil {
		kb.Spec.Ingestion = &kbv1.IngestionSpec{Schedule: schedule}
	}
	return kb
}

func hourly() *kbv1.RefreshScheduleSpec {
	return &kbv1.RefreshScheduleSpec{Interval: kbv1.RefreshHourly}
}

func exposureSamples(g gomega.Gomega, kb *kbv1.KnowledgeBase) (uint64, float64) {
	o, err := metrics.ACLExposureWindow.GetMetricWithLabelValues(kb.Namespace, kb.Name)
	g.Expect(err).NotTo(gomega.HaveOccurred())
	m := &dto.Metric{}
	g.Expect(o.(interface{ Write(*dto.Metric) error }).Write(m)).To(gomega.Succeed())
	return m.GetHistogram().GetSampleCount(), m.GetHistogram().GetSampleSum()
}

// TestQuickRevocationIsEnforcedAtTheNextRefresh is the ACL guide's story
// on a Quick knowledge base: Contractors lose hr/. kbwarden rewrites the hr
// sidecars at once, says the change waits for the next scheduled refresh
// (Quick cannot be asked to ingest now), keeps saying so while Quick still
// serves the old ACLs, and reports the change enforced only once a refresh
// that started after the write has COMPLETED, when the emulator, applying
// Quick's rules to the real bucket, agrees.
func TestQuickRevocationIsEnforcedAtTheNextRefresh(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	w := newQuickWorld(t, quickemu.Config{HourlyRefresh: true, QueuedFor: time.Minute, RunningFor: 4 * time.Minute})
	bucket, id := "kbw-quick-revoke", "acme-hr.kb"
	createBucket(t, bucket, "")
	putDocs(t, bucket, "docs/hr/review", 4)
	putDocs(t, bucket, "docs/sales/deck", 3)
	w.seed(t, id, bucket, quickemu.ACLPerDocument, nil)
	kb := quickKnowledgeBase("quick-revoke", id, bucket, hourly(),
		kbv1.ACLRule{Prefix: "docs/hr/", Allow: []kbv1.ACLEntry{group("HR"), group("Contractors")}},
		kbv1.ACLRule{Prefix: "docs/sales/", Allow: []kbv1.ACLEntry{group("Sales")}})
	hrDocs := []string{"docs/hr/review-000.txt", "docs/hr/review-001.txt", "docs/hr/review-002.txt", "docs/hr/review-003.txt"}
	retrievable := func(groups ...string) []string { return w.emu.Retrievable(testenv.AccountID, id, "", groups) }

	// First pass: sidecars written, the schedule created, nothing ingested.
	err := w.reconcile(t, kb)
	g.Expect(reasonOf(err, "")).To(gomega.Equal(kbv1.IngestionPendingReason), "%v", err)
	c := condition(kb, kbv1.IngestionSucceededCondition)
	g.Expect(c.Status).To(gomega.Equal(metav1.ConditionUnknown))
	g.Expect(c.Message).To(gomega.And(gomega.ContainSubstring("are not enforced yet: Amazon Quick has no API to start an ingestion"),
		gomega.ContainSubstring("next scheduled refresh (HOURLY: within the hour)")))
	g.Expect(kb.Status.Ingestion.Schedule).To(gomega.Equal(&kbv1.RefreshScheduleStatus{ID: "kbwarden", Interval: "HOURLY", State: "ENABLED"}))
	g.Expect(w.calls.Count("CreateKnowledgeBaseRefreshSchedule", "")).To(gomega.Equal(1))
	g.Expect(w.eventsSeen()).To(gomega.ContainElement(gomega.ContainSubstring("RefreshScheduleCreated created refresh schedule kbwarden")))
	g.Expect(retrievable("Contractors")).To(gomega.BeEmpty(), "nothing is ingested before the first refresh")

	// The schedule's first refresh: queued, then completed.
	w.clock.Step(time.Hour)
	err = w.reconcile(t, kb)
	g.Expect(reasonOf(err, "")).To(gomega.Equal(kbv1.IngestionInProgressReason), "%v", err)
	g.Expect(kb.Status.Ingestion.LastJob.Status).To(gomega.Equal("QUEUED"))
	g.Expect(kb.Status.Ingestion.LastJob.ACLHash).To(gomega.Equal(kb.Status.AccessControl.ACLHash), "it started after the ACL files were written")
	w.clock.Step(5 * time.Minute)
	g.Expect(w.reconcile(t, kb)).To(gomega.Succeed())
	g.Expect(condition(kb, kbv1.IngestionSucceededCondition)).To(gomega.HaveField("Status", metav1.ConditionTrue))
	g.Expect(condition(kb, kbv1.ReadyCondition)).To(gomega.HaveField("Status", metav1.ConditionTrue))
	g.Expect(kb.Status.Ingestion.LastSuccessfulJob.ACLHash).To(gomega.Equal(kb.Status.AccessControl.ACLHash))
	g.Expect(retrievable("Contractors")).To(gomega.Equal(hrDocs))
	before := kb.Status.AccessControl.ACLHash

	// Steady state: the pass after an ingestion ends lists the documents
	// again (what changed while it ran); then a pass before the interval
	// calls nothing, and one at the interval reads the knowledge base and
	// its schedule once each.
	w.clock.Step(time.Minute)
	listings := w.calls.Count("ListObjectsV2", bucket)
	g.Expect(w.reconcile(t, kb)).To(gomega.Succeed())
	aclListing := w.calls.Count("ListObjectsV2", bucket) - listings // the access control step's, whatever it costs
	g.Expect(aclListing).To(gomega.BeNumerically(">", 0), "requested when the ingestion ended")
	w.clock.Step(time.Second)
	start := w.totalCalls()
	g.Expect(w.reconcile(t, kb)).To(gomega.Succeed())
	g.Expect(w.totalCalls()).To(gomega.Equal(start), "no AWS call between intervals")
	w.clock.Step(kb.GetInterval())
	describes, lists := w.calls.Count("DescribeKnowledgeBase", ""), w.calls.Count("ListKnowledgeBaseRefreshSchedules", "")
	listings = w.calls.Count("ListObjectsV2", bucket)
	g.Expect(w.reconcile(t, kb)).To(gomega.Succeed())
	g.Expect(w.calls.Count("DescribeKnowledgeBase", "") - describes).To(gomega.Equal(1))
	g.Expect(w.calls.Count("ListKnowledgeBaseRefreshSchedules", "") - lists).To(gomega.Equal(1))
	g.Expect(w.calls.Count("ListObjectsV2", bucket) - listings).To(gomega.Equal(aclListing))
	g.Expect(w.calls.Count("UpdateKnowledgeBaseRefreshSchedule", "")).To(gomega.BeZero())
	t.Logf("AWS calls of a steady-state pass at the interval: DescribeKnowledgeBase 1, ListKnowledgeBaseRefreshSchedules 1, S3 ListObjectsV2 %d", aclListing)

	// The revocation: exactly the hr sidecars are rewritten, and kbwarden
	// says they wait for the next refresh while Quick serves the old ACLs.
	puts := w.calls.Count("PutObject", bucket)
	kb.Spec.AccessControl.Rules[0] = kbv1.ACLRule{Prefix: "docs/hr/", Allow: []kbv1.ACLEntry{group("HR")}, Deny: []kbv1.ACLEntry{group("Contractors")}}
	kb.Generation++
	w.clock.Step(time.Second)
	err = w.reconcile(t, kb)
	g.Expect(reasonOf(err, "")).To(gomega.Equal(kbv1.IngestionPendingReason), "%v", err)
	g.Expect(kb.Status.AccessControl.Written).To(gomega.Equal(int64(len(hrDocs))))
	g.Expect(w.calls.Count("PutObject", bucket)-puts).To(gomega.Equal(len(hrDocs)+1), "the hr sidecars and kbwarden's manifest")
	written := kb.Status.AccessControl.LastSyncTime
	c = condition(kb, kbv1.IngestionSucceededCondition)
	g.Expect(c.Status).To(gomega.Equal(metav1.ConditionTrue), "the last outcome stands while the next is awaited")
	g.Expect(c.Reason).To(gomega.Equal(kbv1.IngestionPendingReason))
	g.Expect(c.Message).To(gomega.ContainSubstring("the ACL files written at " + stamp(written) + " (aclHash"))
	g.Expect(c.Message).To(gomega.ContainSubstring("until then Quick enforces what ingestion " + kb.Status.Ingestion.LastSuccessfulJob.ID))
	g.Expect(kb.Status.AccessControl.ACLHash).NotTo(gomega.Equal(before))
	g.Expect(retrievable("Contractors")).To(gomega.Equal(hrDocs), "the exposure window: Quick still serves the old index")

	// Polls while waiting cost one DescribeKnowledgeBase each.
	describes = w.calls.Count("DescribeKnowledgeBase", "")
	w.clock.Step(time.Second)
	g.Expect(reasonOf(w.reconcile(t, kb), "")).To(gomega.Equal(kbv1.IngestionPendingReason))
	g.Expect(w.calls.Count("DescribeKnowledgeBase", "") - describes).To(gomega.Equal(1))

	// The next scheduled refresh starts after the write and completes.
	w.clock.Step(time.Hour)
	g.Expect(w.reconcile(t, kb)).To(gomega.Succeed())
	c = condition(kb, kbv1.IngestionSucceededCondition)
	g.Expect(c.Status).To(gomega.Equal(metav1.ConditionTrue))
	g.Expect(c.Message).To(gomega.ContainSubstring("it enforces the ACL files with aclHash " + short(kb.Status.AccessControl.ACLHash)))
	last := kb.Status.Ingestion.LastSuccessfulJob
	g.Expect(last.ACLHash).To(gomega.Equal(kb.Status.AccessControl.ACLHash))
	g.Expect(last.StartedAt.Time.After(written.Time)).To(gomega.BeTrue())
	g.Expect(retrievable("Contractors")).To(gomega.BeEmpty(), "Contractors retrieve none of the hr documents")
	g.Expect(retrievable("HR")).To(gomega.Equal(hrDocs))
	g.Expect(w.emu.Retrievable(testenv.AccountID, id, "x@acme.example", []string{"HR", "Contractors"})).To(gomega.BeEmpty(), "deny wins")
	n, sum := exposureSamples(g, kb)
	g.Expect(n).To(gomega.Equal(uint64(1)))
	g.Expect(sum).To(gomega.Equal(last.UpdatedAt.Sub(written.Time).Seconds()), "from the write to the end of the refresh that enforces it")
	t.Logf("exposure window of the revocation: %s (next HOURLY refresh plus a 5m ingestion)", time.Duration(sum*float64(time.Second)))
}

// TestQuickRefreshSchedule: the declared schedule is created, a drifted one
// repaired (or only reported under Observe), an Unmanaged one reported, and
// Quick's refusal of Hourly explained.
func TestQuickRefreshSchedule(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		hourly     bool
		seeded     *quickemu.Schedule
		want       *kbv1.RefreshScheduleSpec
		drift      kbv1.DriftPolicy
		wantStatus kbv1.RefreshScheduleStatus
		wantWrites map[string]int
		wantReason string // of the pass's error; "" for the pending wait
		wantDrift  int64
	}{
		"created as declared": {want: &kbv1.RefreshScheduleSpec{Interval: kbv1.RefreshWeekly, DayOfWeek: "Monday"},
			wantStatus: kbv1.RefreshScheduleStatus{ID: "kbwarden", Interval: "WEEKLY", Day: "MONDAY", State: "ENABLED"},
			wantWrites: map[string]int{"CreateKnowledgeBaseRefreshSchedule": 1}},
		"a drifted schedule is repaired": {hourly: true, seeded: &quickemu.Schedule{ID: "console", Interval: "DAILY", Disabled: true}, want: hourly(),
			wantStatus: kbv1.RefreshScheduleStatus{ID: "console", Interval: "HOURLY", State: "ENABLED"},
			wantWrites: map[string]int{"UpdateKnowledgeBaseRefreshSchedule": 1}, wantDrift: 1},
		"Observe reports and writes nothing": {hourly: true, seeded: &quickemu.Schedule{ID: "console", Interval: "DAILY"}, want: hourly(), drift: kbv1.DriftObserve,
			wantStatus: kbv1.RefreshScheduleStatus{ID: "console", Interval: "DAILY", State: "ENABLED"}, wantDrift: 1},
		"Unmanaged is reported, not written": {seeded: &quickemu.Schedule{ID: "console", Interval: "MONTHLY", DayOfMonth: "15"},
			wantStatus: kbv1.RefreshScheduleStatus{ID: "console", Interval: "MONTHLY", Day: "15", State: "ENABLED"}},
		"Hourly refused for the account": {want: hourly(), wantReason: kbv1.InvalidSpecReason,
			wantStatus: kbv1.RefreshScheduleStatus{}},
	}
	i := 0
	for name, tc := range tests {
		i++
		bucket := "kbw-quick-schedule-" + string(rune('a'+i))
		t.Run(name, func(t *testing.T) {
			g := gomega.NewWithT(t)
			w := newQuickWorld(t, quickemu.Config{HourlyRefresh: tc.hourly})
			createBucket(t, bucket, "")
			putDocs(t, bucket, "docs/hr/review", 1)
			w.seed(t, bucket, bucket, quickemu.ACLPerDocument, tc.seeded)
			kb := quickKnowledgeBase("quick-schedule-"+bucket, bucket, bucket, tc.want, kbv1.ACLRule{Prefix: "docs/", Allow: []kbv1.ACLEntry{group("HR")}})
			kb.Spec.DriftPolicy = tc.drift

			err := w.reconcile(t, kb)
			want := tc.wantReason
			if want == "" {
				want = kbv1.IngestionPendingReason
			}
			g.Expect(reasonOf(err, "")).To(gomega.Equal(want), "%v", err)
			if tc.wantReason == kbv1.InvalidSpecReason {
				g.Expect(err.Error()).To(gomega.ContainSubstring("an Hourly schedule needs an account Quick enabled for hourly refresh"))
				return
			}
			got := *kb.Status.Ingestion.Schedule
			if tc.wantDrift > 0 {
				g.Expect(got.Drift).NotTo(gomega.BeNil())
				g.Expect(got.Drift.Count).To(gomega.Equal(tc.wantDrift))
				g.Expect(got.Drift.Last).To(gomega.ContainSubstring("refresh schedule console of knowledge base " + bucket))
			}
			got.Drift = nil
			g.Expect(got).To(gomega.Equal(tc.wantStatus))
			for _, op := range []string{"CreateKnowledgeBaseRefreshSchedule", "UpdateKnowledgeBaseRefreshSchedule"} {
				g.Expect(w.calls.Count(op, "")).To(gomega.Equal(tc.wantWrites[op]), op)
			}

			// The next interval finds it as declared (or still drifted,
			// counted once) and writes nothing more.
			w.clock.Step(kb.GetInterval())
			_ = w.reconcile(t, kb)
			for _, op := range []string{"CreateKnowledgeBaseRefreshSchedule", "UpdateKnowledgeBaseRefreshSchedule"} {
				g.Expect(w.calls.Count(op, "")).To(gomega.Equal(tc.wantWrites[op]), op)
			}
			if tc.wantDrift > 0 {
				g.Expect(kb.Status.Ingestion.Schedule.Drift.Count).To(gomega.Equal(tc.wantDrift), "a drift seen again is not counted again")
			}
		})
	}
}

// TestQuickIngestionReports: what IngestionSucceeded says when Quick
// cannot enforce the ACL files or cannot be read.
func TestQuickIngestionReports(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		mode        quickemu.ACLMode
		seedID      string
		fault       string
		schedule    *kbv1.RefreshScheduleSpec
		wantErr     string
		wantCond    string
		wantStatus  metav1.ConditionStatus
		wantMessage string
	}{
		"no refresh schedule: the change waits for a console refresh": {mode: quickemu.ACLPerDocument,
			wantErr: kbv1.NoRefreshScheduleReason, wantCond: kbv1.NoRefreshScheduleReason, wantStatus: metav1.ConditionFalse,
			wantMessage: "has no enabled refresh schedule and Amazon Quick has no API to start an ingestion"},
		"a disabled schedule is no schedule": {mode: quickemu.ACLPerDocument, schedule: &kbv1.RefreshScheduleSpec{Interval: kbv1.RefreshDaily, Enabled: ptr(false)},
			wantErr: kbv1.NoRefreshScheduleReason, wantCond: kbv1.NoRefreshScheduleReason, wantStatus: metav1.ConditionFalse,
			wantMessage: "has no enabled refresh schedule"},
		"ACLs off in Quick": {mode: quickemu.ACLNone, schedule: &kbv1.RefreshScheduleSpec{Interval: kbv1.RefreshDaily},
			wantErr: kbv1.ACLNotEnabledReason, wantCond: kbv1.ACLNotEnabledReason, wantStatus: metav1.ConditionFalse,
			wantMessage: "Quick ignores the ACL files kbwarden writes"},
		"unknown knowledge base": {mode: quickemu.ACLPerDocument, seedID: "someone-else",
			wantErr: kbv1.KnowledgeBaseNotFoundReason, wantCond: kbv1.KnowledgeBaseNotFoundReason, wantStatus: metav1.ConditionUnknown,
			wantMessage: "fix spec.quick.knowledgeBaseId"},
		"throttled": {mode: quickemu.ACLPerDocument, fault: "ThrottlingException",
			wantErr: kbv1.ThrottledReason, wantCond: kbv1.ThrottledReason, wantStatus: metav1.ConditionUnknown,
			wantMessage: "AWS throttled the call"},
		"access denied": {mode: quickemu.ACLPerDocument, fault: "AccessDeniedException",
			wantErr: kbv1.AccessDeniedReason, wantCond: kbv1.AccessDeniedReason, wantStatus: metav1.ConditionUnknown,
			wantMessage: "add quicksight:DescribeKnowledgeBase to the controller's IAM policy"},
	}
	i := 0
	for name, tc := range tests {
		i++
		bucket := "kbw-quick-report-" + string(rune('a'+i))
		t.Run(name, func(t *testing.T) {
			g := gomega.NewWithT(t)
			w := newQuickWorld(t, quickemu.Config{})
			createBucket(t, bucket, "")
			putDocs(t, bucket, "docs/hr/review", 2)
			seedID := bucket
			if tc.seedID != "" {
				seedID = tc.seedID
			}
			w.seed(t, seedID, bucket, tc.mode, nil)
			if tc.fault != "" {
				g.Expect(w.emu.FailNext(quickemu.OpDescribeKnowledgeBase, 5, tc.fault)).To(gomega.Succeed())
			}
			kb := quickKnowledgeBase("quick-report-"+bucket, bucket, bucket, tc.schedule, kbv1.ACLRule{Prefix: "docs/", Allow: []kbv1.ACLEntry{group("HR")}})
			err := w.reconcile(t, kb)
			g.Expect(reasonOf(err, "")).To(gomega.Equal(tc.wantErr), "%v", err)
			c := condition(kb, kbv1.IngestionSucceededCondition)
			g.Expect(c.Reason).To(gomega.Equal(tc.wantCond))
			g.Expect(c.Status).To(gomega.Equal(tc.wantStatus))
			g.Expect(c.Message).To(gomega.ContainSubstring(tc.wantMessage))
			g.Expect(condition(kb, kbv1.VectorBucketPolicyInSyncCondition)).To(gomega.HaveField("Reason", kbv1.UnmanagedReason), "no vector bucket")
		})
	}
}

// TestQuickIncompleteIngestionIsNotEnforcement: an ingestion Quick ends
// INCOMPLETE (a document whose metadata file it cannot read) is reported,
// and does not count as enforcing the ACL files.
func TestQuickIncompleteIngestionIsNotEnforcement(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	w := newQuickWorld(t, quickemu.Config{HourlyRefresh: true, RunningFor: time.Minute})
	bucket := "kbw-quick-incomplete"
	createBucket(t, bucket, "")
	putDocs(t, bucket, "docs/hr/review", 2)
	putObject(t, bucket, "docs/hr/review-001.txt.metadata.json", "{not json") // someone's broken sidecar: kbwarden leaves it alone
	w.seed(t, bucket, bucket, quickemu.ACLPerDocument, nil)
	kb := quickKnowledgeBase("quick-incomplete", bucket, bucket, hourly(), kbv1.ACLRule{Prefix: "docs/", Allow: []kbv1.ACLEntry{group("HR")}})
	_ = w.reconcile(t, kb)
	w.clock.Step(time.Hour + 2*time.Minute)
	err := w.reconcile(t, kb)
	g.Expect(reasonOf(err, "")).To(gomega.Equal(kbv1.IngestionPendingReason), "%v", err)
	c := condition(kb, kbv1.IngestionSucceededCondition)
	g.Expect(c.Status).To(gomega.Equal(metav1.ConditionFalse))
	g.Expect(kb.Status.Ingestion.LastJob.Status).To(gomega.Equal("INCOMPLETE"))
	g.Expect(kb.Status.Ingestion.LastSuccessfulJob).To(gomega.BeNil())
	g.Expect(strings.Join(w.eventsSeen(), "\n")).To(gomega.ContainSubstring("Warning Incomplete Quick ingestion"))
	g.Expect(condition(kb, kbv1.ReadyCondition)).To(gomega.HaveField("Status", metav1.ConditionFalse))
}

// TestQuickIngestionMustStartClearlyAfterTheWrite: a refresh started in
// the console seconds after the ACL files were written may have started
// before them by AWS's clock, so it does not count as enforcing them; the
// next refresh does.
func TestQuickIngestionMustStartClearlyAfterTheWrite(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	w := newQuickWorld(t, quickemu.Config{HourlyRefresh: true, RunningFor: time.Minute})
	bucket := "kbw-quick-margin"
	createBucket(t, bucket, "")
	putDocs(t, bucket, "docs/hr/review", 2)
	w.seed(t, bucket, bucket, quickemu.ACLPerDocument, nil)
	kb := quickKnowledgeBase("quick-margin", bucket, bucket, hourly(), kbv1.ACLRule{Prefix: "docs/", Allow: []kbv1.ACLEntry{group("HR")}})
	g.Expect(reasonOf(w.reconcile(t, kb), "")).To(gomega.Equal(kbv1.IngestionPendingReason))

	w.clock.Step(10 * time.Second)
	console, err := w.emu.StartIngestion(testenv.AccountID, bucket)
	g.Expect(err).NotTo(gomega.HaveOccurred())
	w.clock.Step(2 * time.Minute)
	err = w.reconcile(t, kb)
	g.Expect(reasonOf(err, "")).To(gomega.Equal(kbv1.IngestionPendingReason), "completed, but too close to the write: %v", err)
	g.Expect(kb.Status.Ingestion.LastSuccessfulJob.ID).To(gomega.Equal(console))
	g.Expect(kb.Status.Ingestion.LastSuccessfulJob.ACLHash).To(gomega.BeEmpty())
	g.Expect(condition(kb, kbv1.IngestionSucceededCondition).Message).To(gomega.ContainSubstring("not enforced yet"))

	w.clock.Step(time.Hour)
	g.Expect(w.reconcile(t, kb)).To(gomega.Succeed())
	g.Expect(kb.Status.Ingestion.LastSuccessfulJob.ACLHash).To(gomega.Equal(kb.Status.AccessControl.ACLHash), "the scheduled refresh an hour later counts")
}
