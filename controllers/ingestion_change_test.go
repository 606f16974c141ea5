package controllers

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/acl"
	"github.com/kbwarden/kbwarden/test/bedrockemu"
)

// changeTimeout bounds the waits of these tests: generous, so they hold on
// a loaded two-core machine, where a pass, a job and a status patch may
// each take seconds.
const changeTimeout = 60 * time.Second

// quietWindow is how long these tests watch for a job that should not
// start: more than one debounce plus a few passes at the 1s interval.
const quietWindow = 6 * time.Second

// TestIngestionBurstStartsOneJob: fifty documents uploaded in a burst under
// documents.prefix start exactly one job (trigger Changed) once the set has
// been quiet for ingestion.debounce, and none after it. The burst is
// uploaded in two halves, and the second half only once kbwarden's ACL step
// (mode None, every second) has seen the first: so kbwarden certainly sees
// an intermediate set, and only the debounce keeps it from starting a job
// for it.
func TestIngestionBurstStartsOneJob(t *testing.T) {
	t.Parallel()
	testBurstStartsOneJob(t, burstIngKB, &kbv1.AccessControlSpec{Mode: kbv1.AccessControlNone})
}

// TestIngestionBurstStartsOneJobPerDocument is the burst in PerDocument
// mode, where each new document also gets a sidecar, so the ACL files
// change with every upload: those changes wait with the documents' debounce
// instead of each starting a job.
func TestIngestionBurstStartsOneJobPerDocument(t *testing.T) {
	t.Parallel()
	testBurstStartsOneJob(t, burstACLIngKB, &kbv1.AccessControlSpec{Mode: kbv1.AccessControlPerDocument,
		Rules: []kbv1.ACLRule{{Prefix: "docs/", Allow: []kbv1.ACLEntry{group("staff")}}}})
}

func testBurstStartsOneJob(t *testing.T, k ingestionKB, ac *kbv1.AccessControlSpec) {
	g := gomega.NewWithT(t)
	ctx := context.Background()
	// Long enough that the second half lands well within it on a loaded
	// machine (lastChangeTime is stored at second precision, so the quiet
	// time kbwarden waits for can be up to one second shorter).
	const debounce = 5 * time.Second
	setupIngestionKB(t, k, "", 1)
	kb := ingestionKnowledgeBase("ing-burst-"+strings.ToLower(string(ac.Mode)), k)
	kb.Spec.Interval = metav1.Duration{Duration: time.Second}
	kb.Spec.AccessControl = ac
	kb.Spec.Ingestion = &kbv1.IngestionSpec{Debounce: metav1.Duration{Duration: debounce}, Interval: metav1.Duration{Duration: time.Hour}}
	g.Expect(env.Client.Create(ctx, kb)).To(gomega.Succeed())
	deleteOnCleanup(t, kb)

	before := readyAfterFirstJob(g, kb, k)
	first := lastJob(before)
	g.Expect(before.Status.Documents.Count).To(gomega.Equal(int64(1)))
	fpBefore := before.Status.Documents.Fingerprint
	g.Expect(first.DocumentsFingerprint).To(gomega.Equal(fpBefore))

	burstStart := time.Now()
	putDocsConcurrently(t, k.docs, "docs/burst", 0, 25, 8)
	g.Eventually(func(g gomega.Gomega) {
		got := get(g, kb)
		g.Expect(got.Status.Documents.Count).To(gomega.Equal(int64(26)), "kbwarden saw the first half")
		c := condition(got, kbv1.IngestionSucceededCondition)
		g.Expect(c).To(gomega.HaveField("Reason", kbv1.IngestionPendingReason))
		g.Expect(c.Message).To(gomega.ContainSubstring("quiet for " + debounce.String()))
	}).WithTimeout(changeTimeout).WithPolling(100 * time.Millisecond).Should(gomega.Succeed())
	putDocsConcurrently(t, k.docs, "docs/burst", 25, 50, 8)
	burstEnd := time.Now()
	g.Expect(emuJobs(g, k)).To(gomega.HaveLen(1), "no job for the intermediate set")
	t.Logf("uploaded 50 documents in %s", burstEnd.Sub(burstStart).Round(time.Millisecond))

	var got *kbv1.KnowledgeBase
	g.Eventually(func(g gomega.Gomega) {
		got = get(g, kb)
		j := lastJob(got)
		g.Expect(j.ID).NotTo(gomega.Equal(first.ID), "a new job started")
		g.Expect(j.Status).To(gomega.Equal(bedrockemu.StatusComplete))
		g.Expect(got.Status.Documents.Count).To(gomega.Equal(int64(51)))
		g.Expect(condition(got, kbv1.ReadyCondition)).To(gomega.HaveField("Status", metav1.ConditionTrue))
	}).WithTimeout(changeTimeout).WithPolling(200 * time.Millisecond).Should(gomega.Succeed())

	jobs := emuJobs(g, k)
	g.Expect(jobs).To(gomega.HaveLen(2), "the first job and exactly one for the burst: %v", jobIDs(jobs))
	burst, j := jobs[1], lastJob(got)
	g.Expect(j.ID).To(gomega.Equal(burst.ID))
	g.Expect(j.Trigger).To(gomega.Equal("Changed"))
	g.Expect(j.DocumentsFingerprint).NotTo(gomega.Equal(fpBefore))
	g.Expect(j.DocumentsFingerprint).To(gomega.Equal(got.Status.Documents.Fingerprint), "the job ingests the documents as they are after the burst")
	g.Expect(j.Statistics).NotTo(gomega.BeNil())
	g.Expect(j.Statistics.NewIndexed).To(gomega.Equal(int64(50)), "all fifty documents are in the one job")
	g.Expect(burst.Statistics.NumberOfDocumentsScanned).To(gomega.Equal(int64(51)))
	g.Expect(burst.Description).To(gomega.ContainSubstring(j.DocumentsFingerprint), "the job's description carries what it is for")

	// The debounce held: the job started no sooner than debounce after
	// kbwarden last saw the documents change (which it saw after the burst
	// had begun). lastChangeTime is stored at second precision, as Decide
	// reads it.
	changed := got.Status.Documents.LastChangeTime
	g.Expect(changed).NotTo(gomega.BeNil())
	g.Expect(changed.Time).To(gomega.BeTemporally(">=", burstStart.Truncate(time.Second)))
	g.Expect(burst.StartedAt).To(gomega.BeTemporally(">=", changed.Add(debounce)), "started only after the documents were quiet for the debounce")
	g.Expect(burst.StartedAt).To(gomega.BeTemporally(">", burstEnd), "started after the burst ended")
	t.Logf("burst job %s started %s after the burst ended, %s after lastChangeTime %s",
		burst.ID, burst.StartedAt.Sub(burstEnd).Round(time.Millisecond), burst.StartedAt.Sub(changed.Time).Round(time.Millisecond), changed.UTC().Format(time.RFC3339))

	g.Consistently(func(g gomega.Gomega) {
		g.Expect(emuJobs(g, k)).To(gomega.HaveLen(2))
		g.Expect(lastJob(get(g, kb)).ID).To(gomega.Equal(burst.ID))
	}).WithTimeout(quietWindow).WithPolling(250*time.Millisecond).Should(gomega.Succeed(), "no further job once the burst is ingested")
	g.Expect(startedJobs(g, kb, "Changed")).To(gomega.Equal(1.0))
	g.Expect(startedJobs(g, kb, "Interval")).To(gomega.Equal(1.0), "the first job only")
}

// TestIngestionRuleChangeStartsOneJob: in mode PerDocument a rule change
// rewrites the sidecars it affects (and only those), which changes the ACL
// hash, and that starts exactly one job (trigger Changed, the new hash) at
// once, with no debounce, and none after it.
func TestIngestionRuleChangeStartsOneJob(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	ctx := context.Background()
	k := ruleIngKB
	createBucket(t, k.vectors, "")
	createBucket(t, k.docs, "")
	docs := []string{"docs/sales/q1.txt", "docs/sales/q2.txt", "docs/hr/handbook.txt", "docs/hr/salaries.txt", "docs/legal/nda.txt"}
	for _, key := range docs {
		putObject(t, k.docs, key, "content of "+key)
	}
	kb := ingestionKnowledgeBase("ing-rules", k)
	kb.Spec.Interval = metav1.Duration{Duration: time.Second}
	kb.Spec.AccessControl = &kbv1.AccessControlSpec{Mode: kbv1.AccessControlPerDocument, Rules: []kbv1.ACLRule{
		{Prefix: "docs/sales/", Allow: []kbv1.ACLEntry{group("Sales")}},
		{Prefix: "docs/hr/", Allow: []kbv1.ACLEntry{group("HR")}},
		{Prefix: "docs/legal/", Allow: []kbv1.ACLEntry{group("Legal")}},
	}}
	kb.Spec.Ingestion = &kbv1.IngestionSpec{Debounce: metav1.Duration{Duration: 3 * time.Second}, Interval: metav1.Duration{Duration: time.Hour}}
	g.Expect(env.Client.Create(ctx, kb)).To(gomega.Succeed())
	deleteOnCleanup(t, kb)

	before := readyAfterFirstJob(g, kb, k)
	first := lastJob(before)
	hashBefore := before.Status.AccessControl.ACLHash
	g.Expect(hashBefore).NotTo(gomega.BeEmpty())
	g.Expect(first.ACLHash).To(gomega.Equal(hashBefore), "the first job enforces the ACL files as written")
	g.Expect(first.Statistics.NewIndexed).To(gomega.Equal(int64(len(docs))), "every document is reachable")
	etags := map[string]string{}
	for _, key := range docs {
		etags[key] = sidecarETag(g, k.docs, key)
	}

	changedAt := time.Now()
	hrLead := user("HR-Lead@Acme.com")
	g.Expect(updateKB(ctx, kb, func(kb *kbv1.KnowledgeBase) {
		kb.Spec.AccessControl.Rules[1].Allow = append(kb.Spec.AccessControl.Rules[1].Allow, hrLead)
	})).To(gomega.Succeed())

	var got *kbv1.KnowledgeBase
	g.Eventually(func(g gomega.Gomega) {
		got = get(g, kb)
		c := condition(got, kbv1.AccessControlInSyncCondition)
		g.Expect(c).NotTo(gomega.BeNil())
		g.Expect(c.ObservedGeneration).To(gomega.Equal(got.Generation))
		g.Expect(c.Status).To(gomega.Equal(metav1.ConditionTrue), c.Message)
		g.Expect(got.Status.AccessControl.ACLHash).NotTo(gomega.Equal(hashBefore))
	}).WithTimeout(changeTimeout).WithPolling(200 * time.Millisecond).Should(gomega.Succeed())
	hashAfter := got.Status.AccessControl.ACLHash
	want := acl.Entry{Name: "hr-lead@acme.com", Type: acl.User, Access: acl.Allow}
	for _, key := range docs {
		sidecar := key + acl.SidecarSuffix
		gotACL, _ := sidecarACL(g, k.docs, sidecar)
		if strings.HasPrefix(key, "docs/hr/") {
			g.Expect(gotACL).To(gomega.ContainElement(want), sidecar)
			g.Expect(sidecarETag(g, k.docs, key)).NotTo(gomega.Equal(etags[key]), "%s is rewritten", sidecar)
		} else {
			g.Expect(gotACL).NotTo(gomega.ContainElement(want), sidecar)
			g.Expect(sidecarETag(g, k.docs, key)).To(gomega.Equal(etags[key]), "%s is not touched", sidecar)
		}
	}

	g.Eventually(func(g gomega.Gomega) {
		got = get(g, kb)
		j := lastJob(got)
		g.Expect(j.ID).NotTo(gomega.Equal(first.ID), "a new job started")
		g.Expect(j.Status).To(gomega.Equal(bedrockemu.StatusComplete))
		g.Expect(condition(got, kbv1.ReadyCondition)).To(gomega.HaveField("Status", metav1.ConditionTrue))
	}).WithTimeout(changeTimeout).WithPolling(200 * time.Millisecond).Should(gomega.Succeed())

	jobs := emuJobs(g, k)
	g.Expect(jobs).To(gomega.HaveLen(2), "the first job and exactly one for the rule change: %v", jobIDs(jobs))
	ruleJob, j := jobs[1], lastJob(got)
	g.Expect(j.ID).To(gomega.Equal(ruleJob.ID))
	g.Expect(j.Trigger).To(gomega.Equal("Changed"))
	g.Expect(j.ACLHash).To(gomega.Equal(hashAfter), "the job enforces the new ACL files")
	g.Expect(got.Status.AccessControl.ACLHash).To(gomega.Equal(hashAfter))
	g.Expect(j.DocumentsFingerprint).To(gomega.Equal(first.DocumentsFingerprint), "the documents themselves did not change")
	g.Expect(ruleJob.StartedAt).To(gomega.BeTemporally(">", changedAt))
	g.Expect(ruleJob.Statistics.NumberOfMetadataDocumentsModified).To(gomega.Equal(int64(2)), "the job sees the two rewritten sidecars")
	g.Expect(ruleJob.Statistics.NumberOfNewDocumentsIndexed).To(gomega.BeZero())
	t.Logf("rule-change job %s started %s after the spec update", ruleJob.ID, ruleJob.StartedAt.Sub(changedAt).Round(time.Millisecond))

	g.Consistently(func(g gomega.Gomega) {
		g.Expect(emuJobs(g, k)).To(gomega.HaveLen(2))
		latest := get(g, kb)
		g.Expect(lastJob(latest).ID).To(gomega.Equal(ruleJob.ID))
		g.Expect(latest.Status.AccessControl.ACLHash).To(gomega.Equal(hashAfter))
	}).WithTimeout(quietWindow).WithPolling(250*time.Millisecond).Should(gomega.Succeed(), "no further job after the rule change is ingested")
	g.Expect(startedJobs(g, kb, "Changed")).To(gomega.Equal(1.0))
	g.Expect(startedJobs(g, kb, "Interval")).To(gomega.Equal(1.0), "the first job only")
}

// readyAfterFirstJob waits until kb's first job (trigger Interval: no job
// was known) is COMPLETE in status and kb is Ready, checks it is the only
// job of k, and returns the object.
func readyAfterFirstJob(g gomega.Gomega, kb *kbv1.KnowledgeBase, k ingestionKB) *kbv1.KnowledgeBase {
	var got *kbv1.KnowledgeBase
	g.Eventually(func(g gomega.Gomega) {
		got = get(g, kb)
		j := lastJob(got)
		g.Expect(j.Status).To(gomega.Equal(bedrockemu.StatusComplete))
		g.Expect(j.Trigger).To(gomega.Equal("Interval"))
		g.Expect(condition(got, kbv1.IngestionSucceededCondition)).To(gomega.HaveField("Reason", kbv1.SucceededReason))
		ready := condition(got, kbv1.ReadyCondition)
		g.Expect(ready).NotTo(gomega.BeNil())
		g.Expect(ready.Status).To(gomega.Equal(metav1.ConditionTrue), ready.Message)
		g.Expect(got.Status.Documents).NotTo(gomega.BeNil())
	}).WithTimeout(changeTimeout).WithPolling(200 * time.Millisecond).Should(gomega.Succeed())
	jobs := emuJobs(g, k)
	g.Expect(jobs).To(gomega.HaveLen(1), "one first job: %v", jobIDs(jobs))
	g.Expect(jobs[0].ID).To(gomega.Equal(lastJob(got).ID))
	return got
}

// putDocsConcurrently uploads documents prefix-NNN.txt, NNN from from to
// to-1, with the given number of uploaders in parallel, as `aws s3 cp
// --recursive` does: a burst.
func putDocsConcurrently(t *testing.T, bucket, prefix string, from, to, workers int) {
	t.Helper()
	next := make(chan int)
	errs := make(chan error, to-from)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				key, body := fmt.Sprintf("%s-%03d.txt", prefix, i), fmt.Sprintf("document %d of %s", i, prefix)
				if _, err := admin.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: strings.NewReader(body)}); err != nil {
					errs <- fmt.Errorf("putting %s/%s: %w", bucket, key, err)
				}
			}
		}()
	}
	for i := from; i < to; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// sidecarETag is the ETag of doc's sidecar.
func sidecarETag(g gomega.Gomega, bucket, doc string) string {
	key := doc + acl.SidecarSuffix
	out, err := admin.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
	g.Expect(err).NotTo(gomega.HaveOccurred(), key)
	return aws.ToString(out.ETag)
}

func jobIDs(jobs []bedrockemu.Job) []string {
	var out []string
	for _, j := range jobs {
		out = append(out, fmt.Sprintf("%s %s %s", j.ID, j.Status, j.StartedAt.Format("15:04:05.000")))
	}
	return out
}
