package controllers

import (
	"context"
	"testing"

	"github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
)

// TestReportSettled checks that when nothing is due, IngestionSucceeded shows
// the last job's outcome again instead of a wait or an error of an earlier
// pass, and keeps the diagnosis of a job that failed on access.
func TestReportSettled(t *testing.T) {
	t.Parallel()
	complete := &kbv1.IngestionJob{ID: "JOB1", Status: jobComplete, Trigger: "Changed"}
	denied := &kbv1.IngestionJob{ID: "JOB2", Status: jobFailed, Trigger: "External",
		FailureReasons: []string{"AccessDenied: bedrock.amazonaws.com is not authorized to perform: s3:PutObject"}}
	tests := map[string]struct {
		last                  *kbv1.IngestionJob
		reason, message       string
		wantStatus            metav1.ConditionStatus
		wantReason, wantInMsg string
	}{
		"an AWS error of an earlier pass":            {complete, kbv1.AWSErrorReason, "InternalError", metav1.ConditionTrue, kbv1.SucceededReason, "JOB1"},
		"a trigger that went away":                   {complete, kbv1.IngestionPendingReason, "waiting", metav1.ConditionTrue, kbv1.SucceededReason, "JOB1"},
		"kbwarden's own role denied a call":          {complete, kbv1.AccessDeniedReason, "denied bedrock:StartIngestionJob", metav1.ConditionTrue, kbv1.SucceededReason, "JOB1"},
		"a job that failed on access keeps its text": {denied, kbv1.AccessDeniedReason, "vector bucket B policy did not allow s3:PutObject", metav1.ConditionFalse, kbv1.AccessDeniedReason, "did not allow"},
		"no job known":                               {nil, kbv1.AWSErrorReason, "InternalError", metav1.ConditionUnknown, kbv1.IngestionPendingReason, "no ingestion job is known"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := gomega.NewWithT(t)
			obj := newKnowledgeBase("settled")
			obj.Status.Ingestion = &kbv1.IngestionStatus{LastJob: tc.last}
			markFalse(obj, kbv1.IngestionSucceededCondition, tc.reason, "%s", tc.message)
			(&ingestionPass{obj: obj}).reportSettled()
			c := condition(obj, kbv1.IngestionSucceededCondition)
			g.Expect(c.Status).To(gomega.Equal(tc.wantStatus))
			g.Expect(c.Reason).To(gomega.Equal(tc.wantReason))
			g.Expect(c.Message).To(gomega.ContainSubstring(tc.wantInMsg))
		})
	}
}

// TestIngestionStepKeepsTheLastOutcome: a pass that cannot look at
// ingestion (a block here; a throttled or failed call take the same path)
// changes IngestionSucceeded's reason, not its status, so a job that
// completes after a failure is still reported as a recovery.
func TestIngestionStepKeepsTheLastOutcome(t *testing.T) {
	t.Parallel()
	for _, last := range []metav1.ConditionStatus{metav1.ConditionFalse, metav1.ConditionTrue} {
		t.Run(string(last), func(t *testing.T) {
			g := gomega.NewWithT(t)
			w := newStepWorld()
			kb := runbookKnowledgeBase("keep-outcome", "kbw-keep-vectors")
			kb.Spec.Documents.Bucket = "team-b-docs" // outside the allow-list: ingestion is blocked
			setCondition(kb, kbv1.IngestionSucceededCondition, last, kbv1.AccessDeniedReason, "the last job ended %s", last)
			p := w.pass(t, kb)
			s := newIngestionStep(testIngestionOptions, recorder{}, w.clock, ingestionChecks{})
			g.Expect(s.reconcile(context.Background(), kb, p)).To(gomega.Succeed())
			c := condition(kb, kbv1.IngestionSucceededCondition)
			g.Expect(c.Reason).To(gomega.Equal(kbv1.BucketNotAllowedReason))
			g.Expect(c.Status).To(gomega.Equal(last), "the last job's outcome stands")
		})
	}
}
