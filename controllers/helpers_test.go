package controllers

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	awspolicy "github.com/hashicorp/awspolicyequivalence"
	"github.com/onsi/gomega"
	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/awsclient"
	"github.com/kbwarden/kbwarden/internal/awserr"
	"github.com/kbwarden/kbwarden/internal/metrics"
	"github.com/kbwarden/kbwarden/internal/testenv"
)

// createBucket creates an S3 bucket on moto, with policy when not empty, as
// a person with the AWS CLI would.
func createBucket(t *testing.T, name, policy string) {
	t.Helper()
	ctx := context.Background()
	if _, err := admin.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name}); err != nil {
		t.Fatalf("creating bucket %s: %v", name, err)
	}
	if policy != "" {
		putPolicy(t, name, policy)
	}
}

func putPolicy(t *testing.T, bucket, policy string) {
	t.Helper()
	if _, err := admin.PutBucketPolicy(context.Background(), &s3.PutBucketPolicyInput{Bucket: &bucket, Policy: &policy}); err != nil {
		t.Fatalf("putting the policy of %s: %v", bucket, err)
	}
}

// livePolicy reads a bucket's policy, "" when it has none.
func livePolicy(g gomega.Gomega, bucket string) string {
	out, err := admin.GetBucketPolicy(context.Background(), &s3.GetBucketPolicyInput{Bucket: &bucket})
	if awserr.Code(err) == "NoSuchBucketPolicy" {
		return ""
	}
	g.Expect(err).NotTo(gomega.HaveOccurred())
	return aws.ToString(out.Policy)
}

// equivalentPolicies reports whether two policies mean the same.
func equivalentPolicies(g gomega.Gomega, a, b string) bool {
	eq, err := awspolicy.PoliciesAreEquivalent(a, b)
	g.Expect(err).NotTo(gomega.HaveOccurred())
	return eq
}

// eventsOf lists the events recorded about kb, as kubectl describe shows them.
func eventsOf(g gomega.Gomega, kb *kbv1.KnowledgeBase) []corev1.Event {
	list := &corev1.EventList{}
	g.Expect(env.Client.List(context.Background(), list, client.InNamespace(kb.Namespace))).To(gomega.Succeed())
	var out []corev1.Event
	for _, e := range list.Items {
		if e.InvolvedObject.Name == kb.Name && e.InvolvedObject.Kind == "KnowledgeBase" {
			out = append(out, e)
		}
	}
	return out
}

// haveEvent matches an event list holding an event of reason whose message
// contains text.
func haveEvent(reason, text string) gomega.OmegaMatcher {
	return gomega.ContainElement(gomega.And(
		gomega.HaveField("Reason", reason),
		gomega.HaveField("Message", gomega.ContainSubstring(text)),
	))
}

// repairs returns kbwarden_drift_repairs_total for kb and concern.
func repairs(g gomega.Gomega, kb *kbv1.KnowledgeBase, concern string) float64 {
	c, err := metrics.DriftRepairs.GetMetricWithLabelValues(kb.Namespace, kb.Name, concern)
	g.Expect(err).NotTo(gomega.HaveOccurred())
	out := &dto.Metric{}
	g.Expect(c.Write(out)).To(gomega.Succeed())
	return out.GetCounter().GetValue()
}

func faultOf(status int, code string) testenv.Fault { return testenv.Fault{Status: status, Code: code} }

// directPass is the pass a step sees when run outside the manager, as a
// second (restarted) controller would run it: the AWS target resolved as
// the preconditions step does, and the ACL report as the stored status has it.
func directPass(t *testing.T, f *awsclient.Factory, obj *kbv1.KnowledgeBase) *pass {
	t.Helper()
	tgt, err := newPreconditionsStep(nil, f, testAllowedBuckets, regionDefaults{f}, TenancyOptional).resolveTarget(context.Background(), obj)
	if err != nil {
		t.Fatalf("resolving the AWS target: %v", err)
	}
	return &pass{now: time.Now(), target: tgt, acl: reportACL(obj)}
}
