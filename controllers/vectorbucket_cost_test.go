package controllers

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3vectors"
	"github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
)

// delta returns what was called on bucket since before.
func delta(bucket string, before map[string]int) map[string]int {
	out := map[string]int{}
	for op, n := range calls.ForBucket(bucket) {
		if d := n - before[op]; d > 0 {
			out[op] = d
		}
	}
	return out
}

// expectPerPass checks that the calls in a steady-state window are exactly
// one of each operation per pass, and nothing else (no write). A pass may
// straddle the window's edges, so counts may differ by one.
func expectPerPass(g gomega.Gomega, got map[string]int, ops ...string) {
	passes := got[ops[0]]
	g.Expect(passes).To(gomega.BeNumerically(">=", 2), "the interval (1s) drives passes")
	g.Expect(slices.Sorted(maps.Keys(got))).To(gomega.Equal(slices.Sorted(slices.Values(ops))), "no write and nothing else: %v", got)
	for _, op := range ops {
		g.Expect(got[op]).To(gomega.BeNumerically("~", passes, 1), "one %s per pass: %v", op, got)
	}
}

// steadyWindow waits for kb to be in sync, then watches it for window, and
// on until it made at least three passes, and returns the calls it made on
// bucket meanwhile. It also checks that no pass wrote status (the
// resourceVersion does not move).
func steadyWindow(t *testing.T, kb *kbv1.KnowledgeBase, bucket string, window time.Duration, during func()) map[string]int {
	g := gomega.NewWithT(t)
	eventually(g, func(g gomega.Gomega) {
		got := get(g, kb)
		g.Expect(condition(got, kbv1.VectorBucketPolicyInSyncCondition)).To(gomega.HaveField("Status", metav1.ConditionTrue))
		g.Expect(condition(got, kbv1.VersioningInSyncCondition)).To(gomega.HaveField("Status", metav1.ConditionTrue))
		// Settled: the first ingestion job, which waits its turn in the
		// account's start queue behind the other tests' jobs, has ended.
		g.Expect(condition(got, kbv1.ReconcilingCondition)).To(gomega.BeNil())
	}).Should(gomega.Succeed())
	time.Sleep(1500 * time.Millisecond) // let the pass after the repair settle
	if during != nil {
		during()
	}
	was := get(g, kb)
	before := calls.ForBucket(bucket)
	time.Sleep(window)
	// On a loaded machine the passes of a 1s interval come late: watch on
	// until three have been seen, rather than assume how many a window holds.
	eventually(g, func() int {
		most := 0
		for _, n := range delta(bucket, before) {
			most = max(most, n)
		}
		return most
	}).Should(gomega.BeNumerically(">=", 3))
	now := get(g, kb)
	g.Expect(now.ResourceVersion).To(gomega.Equal(was.ResourceVersion), "a steady-state pass writes no status: %s", statusDiff(was, now))
	return delta(bucket, before)
}

// statusDiff shows what a pass changed in status, for a failure message.
func statusDiff(a, b *kbv1.KnowledgeBase) string {
	x, _ := json.Marshal(a.Status)
	y, _ := json.Marshal(b.Status)
	return fmt.Sprintf("\nbefore: %s\nafter:  %s", x, y)
}

// TestSteadyStateCostS3 counts the calls of steady-state passes on an S3
// vector bucket: per pass one GetBucketPolicy and one GetBucketVersioning,
// and no write, also when the policy comes back reformatted and reordered.
// The two reported facts (encryption, public access block) are read at the
// first pass only (TestVectorBucketPolicyStep times their next read).
func TestSteadyStateCostS3(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	bucket := "kbw-steady-s3"
	createBucket(t, bucket, "")
	kb := runbookKnowledgeBase("steady-s3", bucket)
	kb.Spec.Interval = metav1.Duration{Duration: time.Second}
	kb.Spec.VectorBucket.Versioning = kbv1.VersioningEnabled
	g.Expect(createKB(t, kb)).To(gomega.Succeed())

	reformat := func() {
		// A person rewrites the same policy pretty-printed, actions reversed,
		// and the owned statement moved after another one: same meaning.
		var doc map[string]any
		g.Expect(json.Unmarshal([]byte(livePolicy(g, bucket)), &doc)).To(gomega.Succeed())
		stmts := doc["Statement"].([]any)
		owned := stmts[0].(map[string]any)
		actions := owned["Action"].([]any)
		slices.Reverse(actions)
		other := map[string]any{"Sid": "ReadOnlyAudit", "Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::275666109134:root"},
			"Action": "s3:GetBucketPolicy", "Resource": "arn:aws:s3:::" + bucket}
		doc["Statement"] = []any{other, owned}
		out, _ := json.MarshalIndent(doc, "", "    ")
		putPolicy(t, bucket, string(out))
	}
	// The first window sees the reformatting's effect too.
	got := steadyWindow(t, kb, bucket, 6*time.Second, reformat)
	t.Logf("calls on %s in a steady-state window of at least 6s and 3 passes: %v", bucket, got)
	// Encryption and the public access block were read at the first pass,
	// and are read again only after factsInterval.
	expectPerPass(g, got, "GetBucketPolicy", "GetBucketVersioning")
	g.Expect(get(g, kb).Status.VectorBucket.Encryption).NotTo(gomega.BeEmpty(), "read at the first pass")
}

// TestSteadyStateCostS3Vectors is the same on an S3 Vectors vector bucket:
// per pass one GetVectorBucketPolicy, no write. The account comes from
// STS, once.
func TestSteadyStateCostS3Vectors(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	bucket := "kbw-steady-vectors"
	_, err := adminVectors.CreateVectorBucket(context.Background(), &s3vectors.CreateVectorBucketInput{VectorBucketName: &bucket})
	g.Expect(err).NotTo(gomega.HaveOccurred())
	kb := newKnowledgeBase("steady-vectors")
	kb.Spec.Interval = metav1.Duration{Duration: time.Second}
	kb.Spec.VectorBucket = kbv1.VectorBucketSpec{Name: bucket, Type: kbv1.VectorBucketS3Vectors}
	kb.Spec.Documents.Bucket = "acme-corp-docs"
	g.Expect(createKB(t, kb)).To(gomega.Succeed())

	got := steadyWindow(t, kb, bucket, 6*time.Second, nil)
	t.Logf("calls on %s in a steady-state window of at least 6s and 3 passes: %v", bucket, got)
	// Its encryption (GetVectorBucket) was read at the first pass, and is
	// read again only after factsInterval.
	expectPerPass(g, got, "GetVectorBucketPolicy")
	g.Expect(calls.Count("GetVectorBucket", bucket)).To(gomega.BeNumerically(">=", 1), "read at the first pass")

	out, err := adminVectors.GetVectorBucketPolicy(context.Background(), &s3vectors.GetVectorBucketPolicyInput{VectorBucketName: &bucket})
	g.Expect(err).NotTo(gomega.HaveOccurred())
	g.Expect(*out.Policy).To(gomega.And(
		gomega.ContainSubstring("s3vectors:PutVectors"),
		gomega.ContainSubstring("arn:aws:s3vectors:us-east-1:123456789012:bucket/kbw-steady-vectors/index/*"),
		gomega.ContainSubstring("arn:aws:bedrock:us-east-1:123456789012:knowledge-base/"+kb.Spec.Bedrock.KnowledgeBaseID)))
	g.Expect(get(g, kb).Status.VectorBucket.Encryption).To(gomega.Equal("AES256"))
	g.Expect(calls.Count("GetCallerIdentity", "")).To(gomega.BeNumerically("<=", 2), "the account is cached")
}

// bigPolicy returns a valid policy of other people's statements just under
// S3's 20 KB limit, so adding kbwarden's statement would exceed it.
func bigPolicy(bucket string) string {
	var stmts []string
	for i := 0; ; i++ {
		s := fmt.Sprintf(`{"Sid":"Team%d","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::%s/team-%d/*"}`, i, bucket, i)
		if len(policyOf(append(stmts, s)...)) > 20480-200 {
			return policyOf(stmts...)
		}
		stmts = append(stmts, s)
	}
}

// TestBadInputs checks that each fault gets its own reason and a clear
// message, and that nothing is lost: a policy kbwarden cannot merge is left
// as it was, a bucket outside the allow-list is never called.
func TestBadInputs(t *testing.T) {
	t.Parallel()
	type check struct {
		stalled      bool
		reason       string
		message      string
		unchanged    string // the live policy that must be left alone
		noCallsAtAll bool
	}
	tests := map[string]struct {
		bucket string
		setup  func(t *testing.T, bucket string) string // returns the live policy
		want   check
	}{
		"bucket does not exist": {
			bucket: "kbw-missing",
			want:   check{stalled: true, reason: kbv1.BucketNotFoundReason, message: "bucket kbw-missing does not exist"},
		},
		"access denied to kbwarden itself": {
			bucket: "kbw-denied",
			setup: func(t *testing.T, b string) string {
				createBucket(t, b, "")
				faults.Inject(b, "policy", faultOf(403, "AccessDenied"))
				return ""
			},
			want: check{stalled: true, reason: kbv1.AccessDeniedReason, message: "kbwarden's own role was denied s3:GetBucketPolicy"},
		},
		"live policy that is not JSON": {
			bucket: "kbw-malformed",
			setup: func(t *testing.T, b string) string {
				createBucket(t, b, `{"Version": "2012-10-17", "Statement": [ {"Sid": "Oops",`)
				return `{"Version": "2012-10-17", "Statement": [ {"Sid": "Oops",`
			},
			want: check{stalled: true, reason: kbv1.MalformedPolicyReason, message: "leaves it untouched"},
		},
		"merged policy over 20 KB": {
			bucket: "kbw-too-large",
			setup: func(t *testing.T, b string) string {
				p := bigPolicy(b)
				createBucket(t, b, p)
				return p
			},
			want: check{stalled: true, reason: kbv1.PolicyTooLargeReason, message: "would exceed the size AWS accepts"},
		},
		"throttling": {
			bucket: "kbw-throttled",
			setup: func(t *testing.T, b string) string {
				createBucket(t, b, "")
				faults.Inject(b, "policy", faultOf(503, "SlowDown"))
				return ""
			},
			want: check{reason: kbv1.ThrottledReason, message: "AWS throttled the call"},
		},
		"server error": {
			bucket: "kbw-server-error",
			setup: func(t *testing.T, b string) string {
				createBucket(t, b, "")
				faults.Inject(b, "policy", faultOf(500, "InternalError"))
				return ""
			},
			want: check{reason: kbv1.AWSErrorReason, message: "InternalError"},
		},
		"bucket outside the allow-list": {
			bucket: "forbidden-vectors",
			setup: func(t *testing.T, b string) string {
				createBucket(t, b, "")
				return ""
			},
			want: check{stalled: true, reason: kbv1.BucketNotAllowedReason, message: "not in the manager's --allowed-buckets list", noCallsAtAll: true},
		},
	}
	// Only this test's faults: other tests running meanwhile keep theirs.
	t.Cleanup(func() {
		for _, tc := range tests {
			faults.Remove(tc.bucket, "policy")
		}
	})
	kbs := map[string]*kbv1.KnowledgeBase{}
	lives := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(tests)) {
		tc := tests[name]
		if tc.setup != nil {
			lives[name] = tc.setup(t, tc.bucket)
		}
		kb := runbookKnowledgeBase("bad-"+strings.ToLower(strings.ReplaceAll(name, " ", "-")), tc.bucket)
		if err := createKB(t, kb); err != nil {
			t.Fatal(err)
		}
		kbs[name] = kb
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := gomega.NewWithT(t)
			kb := kbs[name]
			eventually(g, func(g gomega.Gomega) {
				got := get(g, kb)
				c := condition(got, kbv1.VectorBucketPolicyInSyncCondition)
				g.Expect(c).NotTo(gomega.BeNil())
				g.Expect(c.Status).To(gomega.Equal(metav1.ConditionFalse))
				g.Expect(c.Reason).To(gomega.Equal(tc.want.reason))
				g.Expect(c.Message).To(gomega.ContainSubstring(tc.want.message))
				stalled := condition(got, kbv1.StalledCondition)
				reconciling := condition(got, kbv1.ReconcilingCondition)
				if tc.want.stalled {
					g.Expect(stalled).To(gomega.HaveField("Reason", tc.want.reason))
					g.Expect(reconciling).To(gomega.BeNil())
					g.Expect(kstatusOf(g, got)).To(gomega.BeEquivalentTo("Failed"))
				} else {
					g.Expect(stalled).To(gomega.BeNil(), "transient faults are retried, not Stalled")
					g.Expect(reconciling).To(gomega.HaveField("Reason", tc.want.reason))
					g.Expect(kstatusOf(g, got)).To(gomega.BeEquivalentTo("InProgress"))
				}
				g.Expect(condition(got, kbv1.ReadyCondition)).To(gomega.HaveField("Reason", tc.want.reason))
			}).Should(gomega.Succeed())
			if live, ok := lives[name]; ok && live != "" {
				g.Expect(livePolicy(g, tc.bucket)).To(gomega.Equal(live), "nothing lost")
			}
			if tc.want.noCallsAtAll {
				g.Expect(calls.ForBucket(tc.bucket)).To(gomega.BeEmpty())
			}
		})
	}
}
