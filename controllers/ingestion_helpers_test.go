package controllers

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/onsi/gomega"
	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/metrics"
	"github.com/kbwarden/kbwarden/internal/testenv"
	"github.com/kbwarden/kbwarden/test/bedrockemu"
)

// seedFaultyStatement is the runbook's faulty statement (s3:GetObject and
// s3:ListBucket only) on bucket, in moto's account, where the emulator
// evaluates it.
func seedFaultyStatement(bucket string) string {
	s := strings.ReplaceAll(runbookFaultyStatement, runbookBucket, bucket)
	return strings.ReplaceAll(s, runbookAccount, testenv.AccountID)
}

// seedCorrectStatement is the runbook's corrected statement on bucket, in
// moto's account.
func seedCorrectStatement(bucket string) string {
	s := strings.ReplaceAll(runbookCorrectStatement, runbookBucket, bucket)
	return strings.ReplaceAll(s, runbookAccount, testenv.AccountID)
}

// setupIngestionKB creates k's buckets (the vector bucket with policy when
// not empty) and puts docs documents under docs/.
func setupIngestionKB(t *testing.T, k ingestionKB, policy string, docs int) {
	t.Helper()
	createBucket(t, k.vectors, policy)
	createBucket(t, k.docs, "")
	putDocs(t, k.docs, "docs/doc", docs)
}

func putDocs(t *testing.T, bucket, prefix string, n int) {
	t.Helper()
	for i := range n {
		key, body := fmt.Sprintf("%s-%03d.txt", prefix, i), fmt.Sprintf("document %d of %s", i, prefix)
		if _, err := admin.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: strings.NewReader(body)}); err != nil {
			t.Fatalf("putting %s/%s: %v", bucket, key, err)
		}
	}
}

// ingestionKnowledgeBase is a KnowledgeBase over k in moto's account, with
// the runbook's knowledge-base/* source ARN scope.
func ingestionKnowledgeBase(name string, k ingestionKB) *kbv1.KnowledgeBase {
	kb := newKnowledgeBase(name)
	kb.Spec.Bedrock, kb.Spec.Region = &kbv1.BedrockSpec{KnowledgeBaseID: k.kbID, DataSourceID: k.dsID}, testenv.Region
	kb.Spec.VectorBucket = kbv1.VectorBucketSpec{Name: k.vectors, Policy: &kbv1.BucketPolicySpec{SourceArnScope: kbv1.SourceArnAccount}}
	kb.Spec.Documents = kbv1.DocumentsSpec{Bucket: k.docs, Prefix: "docs/"}
	return kb
}

// startExternalJob starts a job on k as someone else would (the daily
// sync, the console). It shares the account's start quota with the
// manager, which the other tests running meanwhile spend too, so a
// throttled start is tried again, as a person would.
func startExternalJob(g gomega.Gomega, k ingestionKB, description string) bedrockemu.Job {
	var job bedrockemu.Job
	eventually(g, func() error {
		var err error
		job, err = emu.StartIngestionJob(context.Background(), k.kbID, k.dsID, "", description)
		return err
	}).Should(gomega.Succeed())
	return job
}

// startHeldExternalJob is startExternalJob for a job that runs until the
// returned release is called.
func startHeldExternalJob(g gomega.Gomega, k ingestionKB, description string) (bedrockemu.Job, func()) {
	var job bedrockemu.Job
	var release func()
	eventually(g, func() error {
		var err error
		job, release, err = emu.StartHeldIngestionJob(context.Background(), k.kbID, k.dsID, description)
		return err
	}).Should(gomega.Succeed())
	return job, release
}

// emuJobs lists k's jobs as the emulator knows them, oldest first.
func emuJobs(g gomega.Gomega, k ingestionKB) []bedrockemu.Job {
	jobs, err := emu.Jobs(context.Background(), k.kbID, k.dsID)
	g.Expect(err).NotTo(gomega.HaveOccurred())
	sort.Slice(jobs, func(i, j int) bool { return jobs[i].StartedAt.Before(jobs[j].StartedAt) })
	return jobs
}

// sortedEvents are kb's events in the order they were first recorded.
func sortedEvents(g gomega.Gomega, kb *kbv1.KnowledgeBase) []corev1.Event {
	evs := eventsOf(g, kb)
	sort.SliceStable(evs, func(i, j int) bool { return eventTime(evs[i]).Before(eventTime(evs[j])) })
	return evs
}

func eventTime(e corev1.Event) time.Time {
	if !e.EventTime.IsZero() {
		return e.EventTime.Time
	}
	return e.FirstTimestamp.Time
}

// reasonsOf lists event reasons (and, for ingestion starts, the trigger) in order.
func reasonsOf(evs []corev1.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Reason)
	}
	return out
}

func counterValue(g gomega.Gomega, c interface{ Write(*dto.Metric) error }) float64 {
	out := &dto.Metric{}
	g.Expect(c.Write(out)).To(gomega.Succeed())
	return out.GetCounter().GetValue()
}

func startedJobs(g gomega.Gomega, kb *kbv1.KnowledgeBase, trigger string) float64 {
	c, err := metrics.IngestionJobsStarted.GetMetricWithLabelValues(kb.Namespace, kb.Name, trigger)
	g.Expect(err).NotTo(gomega.HaveOccurred())
	return counterValue(g, c)
}

func failedJobs(g gomega.Gomega, kb *kbv1.KnowledgeBase, reason string) float64 {
	c, err := metrics.IngestionJobsFailed.GetMetricWithLabelValues(kb.Namespace, kb.Name, reason)
	g.Expect(err).NotTo(gomega.HaveOccurred())
	return counterValue(g, c)
}

func lastSuccessGauge(g gomega.Gomega, kb *kbv1.KnowledgeBase) float64 {
	c, err := metrics.LastSuccessfulIngestion.GetMetricWithLabelValues(kb.Namespace, kb.Name)
	g.Expect(err).NotTo(gomega.HaveOccurred())
	out := &dto.Metric{}
	g.Expect(c.Write(out)).To(gomega.Succeed())
	return out.GetGauge().GetValue()
}

// lastJob returns status.ingestion.lastJob, or an empty job.
func lastJob(kb *kbv1.KnowledgeBase) kbv1.IngestionJob {
	if kb.Status.Ingestion == nil || kb.Status.Ingestion.LastJob == nil {
		return kbv1.IngestionJob{}
	}
	return *kb.Status.Ingestion.LastJob
}
