package controllers

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/awsclient"
	"github.com/kbwarden/kbwarden/internal/testenv"
)

// stepWorld is what one step table case runs against: moto through its
// own counted clients (so the calls a step made are its own, whatever the
// manager does meanwhile), a fake clock, and a pass as the preconditions
// step leaves it.
type stepWorld struct {
	calls   *testenv.RequestCounter
	factory *awsclient.Factory
	clock   *clocktesting.FakeClock
}

func newStepWorld() *stepWorld {
	w := &stepWorld{calls: testenv.NewRequestCounter(), clock: clocktesting.NewFakeClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))}
	cfg := env.AWS.Copy()
	w.calls.Install(&cfg)
	w.factory = newFactory(cfg)
	return w
}

// pass runs the preconditions step as a reconcile would, on the manager's
// cache (which holds the statement index).
func (w *stepWorld) pass(t *testing.T, obj *kbv1.KnowledgeBase) *pass {
	t.Helper()
	p := &pass{now: w.clock.Now()}
	pre := newPreconditionsStep(managerClient, w.factory, testAllowedBuckets, regionDefaults{w.factory}, TenancyOptional)
	if err := pre.reconcile(context.Background(), obj, p); err != nil {
		t.Fatalf("preconditions: %v", err)
	}
	return p
}

// TestPreconditionsStep: what a pass may touch is decided before any AWS
// call, and each block names the concerns it stops.
func TestPreconditionsStep(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		mutate      func(*kbv1.KnowledgeBase)
		wantBlocked []concern
		wantReason  string
	}{
		"both buckets admitted": {mutate: func(*kbv1.KnowledgeBase) {}},
		"vector bucket outside the allow-list": {
			mutate:      func(kb *kbv1.KnowledgeBase) { kb.Spec.VectorBucket.Name = "team-b-vectors" },
			wantBlocked: []concern{concernPolicy, concernVersioning, concernIngestion}, wantReason: kbv1.BucketNotAllowedReason,
		},
		"documents bucket outside the allow-list": {
			mutate:      func(kb *kbv1.KnowledgeBase) { kb.Spec.Documents.Bucket = "team-b-docs" },
			wantBlocked: []concern{concernVersioning, concernAccessControl, concernIngestion}, wantReason: kbv1.BucketNotAllowedReason,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := gomega.NewWithT(t)
			w := newStepWorld()
			kb := runbookKnowledgeBase("pre-"+name, "kbw-pre-vectors")
			tc.mutate(kb)
			p := w.pass(t, kb)
			for c := concern(0); c < concerns; c++ {
				blocked := p.gate.blocked(c) != nil
				g.Expect(blocked).To(gomega.Equal(slices.Contains(tc.wantBlocked, c)), "concern %d", c)
				if blocked {
					g.Expect(reasonOf(p.gate.blocked(c), "")).To(gomega.Equal(tc.wantReason))
				}
			}
			g.Expect(p.target).NotTo(gomega.BeNil(), "the account comes from the spec: no STS call needed")
			g.Expect(w.calls.Operations()).To(gomega.BeEmpty(), "no AWS call")
		})
	}
}

// TestVectorBucketPolicyStep runs the policy step against moto: what it
// marks, what it hands forward, and the calls it made.
func TestVectorBucketPolicyStep(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		policy       string
		drift        kbv1.DriftPolicy
		wantReason   string
		wantStatus   metav1.ConditionStatus
		wantPuts     int
		wantMissing  []string
		wantReplaced []string
	}{
		"the runbook's faulty policy is repaired": {policy: policyOf(runbookFaultyStatement), wantReason: kbv1.DriftRepairedReason,
			wantStatus: metav1.ConditionTrue, wantPuts: 1, wantReplaced: []string{"s3:DeleteObject", "s3:PutObject"}},
		"Observe reports and writes nothing": {policy: policyOf(runbookFaultyStatement), drift: kbv1.DriftObserve, wantReason: kbv1.DriftedReason,
			wantStatus: metav1.ConditionFalse, wantMissing: []string{"s3:DeleteObject", "s3:PutObject"}},
		"the corrected policy is left alone": {policy: policyOf(runbookCorrectStatement), wantReason: kbv1.SucceededReason, wantStatus: metav1.ConditionTrue},
	}
	i := 0
	for name, tc := range tests {
		i++
		bucket := "kbw-step-policy-" + string(rune('a'+i))
		t.Run(name, func(t *testing.T) {
			g := gomega.NewWithT(t)
			w := newStepWorld()
			createBucket(t, bucket, strings.ReplaceAll(tc.policy, runbookBucket, bucket))
			kb := runbookKnowledgeBase("step-policy-"+bucket, bucket)
			kb.Spec.DriftPolicy = tc.drift
			kb.UID, kb.Generation = types.UID("uid-"+bucket), 1
			s := newVectorBucketPolicyStep(env.Client, env.Client, recorder{}, w.clock)

			p := w.pass(t, kb)
			g.Expect(s.reconcile(context.Background(), kb, p)).To(gomega.Succeed())
			c := condition(kb, kbv1.VectorBucketPolicyInSyncCondition)
			g.Expect(c).To(gomega.HaveField("Reason", tc.wantReason))
			g.Expect(c).To(gomega.HaveField("Status", tc.wantStatus))
			g.Expect(w.calls.Count("PutBucketPolicy", bucket)).To(gomega.Equal(tc.wantPuts))
			g.Expect(w.calls.Count("GetBucketPolicy", bucket)).To(gomega.Equal(1))
			g.Expect(p.policy.missing).To(gomega.ConsistOf(tc.wantMissing))
			g.Expect(p.policy.replacedMissing).To(gomega.ConsistOf(tc.wantReplaced))
			g.Expect(p.policy.checkedAt).To(gomega.Equal(w.clock.Now()))

			// An early pass (a job poll) reads nothing and reports the same.
			w.clock.Step(time.Second)
			p2 := w.pass(t, kb)
			g.Expect(s.reconcile(context.Background(), kb, p2)).To(gomega.Succeed())
			g.Expect(w.calls.Count("GetBucketPolicy", bucket)).To(gomega.Equal(1), "not due yet")
			g.Expect(p2.policy.missing).To(gomega.Equal(p.policy.missing))

			// A requested check (the ingestion step's) reads again.
			s.checks.request(kb.UID)
			g.Expect(s.reconcile(context.Background(), kb, w.pass(t, kb))).To(gomega.Succeed())
			g.Expect(w.calls.Count("GetBucketPolicy", bucket)).To(gomega.Equal(2), "requested")

			// So does the interval.
			w.clock.Step(kb.GetInterval())
			g.Expect(s.reconcile(context.Background(), kb, w.pass(t, kb))).To(gomega.Succeed())
			g.Expect(w.calls.Count("GetBucketPolicy", bucket)).To(gomega.Equal(3), "the interval passed")
			g.Expect(w.calls.Count("PutBucketPolicy", bucket)).To(gomega.Equal(tc.wantPuts), "nothing more to repair")

			// The reported facts were read at the first check only, and
			// are read again once factsInterval has passed.
			g.Expect(w.calls.Count("GetBucketEncryption", bucket)).To(gomega.Equal(1))
			g.Expect(w.calls.Count("GetPublicAccessBlock", bucket)).To(gomega.Equal(1))
			g.Expect(kb.Status.VectorBucket.Encryption).NotTo(gomega.BeEmpty())
			w.clock.Step(factsInterval)
			g.Expect(s.reconcile(context.Background(), kb, w.pass(t, kb))).To(gomega.Succeed())
			g.Expect(w.calls.Count("GetBucketEncryption", bucket)).To(gomega.Equal(2), "factsInterval passed")
			g.Expect(w.calls.Count("GetPublicAccessBlock", bucket)).To(gomega.Equal(2))
		})
	}
}

// TestVersioningStep runs the versioning step against moto: a repair is a
// versioning repair only, recorded in status.versioning.
func TestVersioningStep(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		docs       kbv1.VersioningMode
		drift      kbv1.DriftPolicy
		wantReason string
		wantPuts   int
		wantCount  int64
	}{
		"documents bucket versioning repaired":         {docs: kbv1.VersioningEnabled, wantReason: kbv1.DriftRepairedReason, wantPuts: 1, wantCount: 1},
		"Observe reports it":                           {docs: kbv1.VersioningEnabled, drift: kbv1.DriftObserve, wantReason: kbv1.DriftedReason, wantCount: 1},
		"Suspended is met by a never-versioned bucket": {docs: kbv1.VersioningSuspended, wantReason: kbv1.SucceededReason},
	}
	i := 0
	for name, tc := range tests {
		i++
		docs := "kbw-step-versioning-" + string(rune('a'+i))
		t.Run(name, func(t *testing.T) {
			g := gomega.NewWithT(t)
			w := newStepWorld()
			createBucket(t, docs, "")
			createBucket(t, docs+"-vectors", "")
			kb := runbookKnowledgeBase("step-versioning-"+docs, docs+"-vectors")
			kb.Spec.Documents = kbv1.DocumentsSpec{Bucket: docs, Versioning: tc.docs}
			kb.Spec.DriftPolicy = tc.drift
			kb.UID = types.UID("uid-" + docs)
			s := newVersioningStep(recorder{}, w.clock)

			g.Expect(s.reconcile(context.Background(), kb, w.pass(t, kb))).To(gomega.Succeed())
			g.Expect(condition(kb, kbv1.VersioningInSyncCondition)).To(gomega.HaveField("Reason", tc.wantReason))
			g.Expect(w.calls.Count("PutBucketVersioning", docs)).To(gomega.Equal(tc.wantPuts))
			g.Expect(w.calls.Count("GetBucketVersioning", docs)).To(gomega.Equal(1))
			if tc.wantCount > 0 {
				g.Expect(kb.Status.Versioning.Drift.Count).To(gomega.Equal(tc.wantCount))
			}
			g.Expect(kb.Status.VectorBucket).To(gomega.BeNil(), "the policy step's status is not touched")
		})
	}
}

// TestAccessControlStep runs the ACL step against moto: it hands forward
// the hash and fingerprint ingestion decides on, and a second pass writes
// nothing.
func TestAccessControlStep(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	w := newStepWorld()
	bucket := "kbw-step-acl"
	createBucket(t, bucket, "")
	putDocs(t, bucket, "docs/hr/doc", 3)
	kb := aclKnowledgeBase(t, "step-acl", bucket, &kbv1.AccessControlSpec{Mode: kbv1.AccessControlPerDocument,
		Rules: []kbv1.ACLRule{{Prefix: "docs/hr/", Allow: []kbv1.ACLEntry{group("HR")}}}})
	s := newAccessControlStep(recorder{}, w.clock)

	p := w.pass(t, kb)
	g.Expect(s.reconcile(context.Background(), kb, p)).To(gomega.Succeed())
	g.Expect(condition(kb, kbv1.AccessControlInSyncCondition)).To(gomega.HaveField("Status", metav1.ConditionTrue))
	g.Expect(w.calls.Count("PutObject", bucket)).To(gomega.Equal(4), "3 sidecars and the manifest")
	g.Expect(p.acl.aclHash).NotTo(gomega.BeEmpty())
	g.Expect(p.acl.fingerprint).NotTo(gomega.BeEmpty())
	g.Expect(p.acl.lastSyncTime.Time).To(gomega.Equal(w.clock.Now()))

	w.clock.Step(time.Minute)
	p2 := w.pass(t, kb)
	g.Expect(s.reconcile(context.Background(), kb, p2)).To(gomega.Succeed())
	g.Expect(w.calls.Count("PutObject", bucket)).To(gomega.Equal(4), "steady state writes nothing")
	g.Expect(w.calls.Count("GetObject", bucket)).To(gomega.BeZero())
	g.Expect(*p2.acl).To(gomega.Equal(*p.acl))
}
