package awsclient

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	. "github.com/onsi/gomega"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/kbwarden/kbwarden/internal/awserr"
	"github.com/kbwarden/kbwarden/internal/testenv"
)

var (
	teamA = Identity{Binding: "team-a-dev", RoleARN: teamARole, ExternalID: teamAExternalID, Namespace: "team-a", KnowledgeBase: "docs"}
	teamB = Identity{Binding: "team-b-dev", RoleARN: teamBRole, Namespace: "team-b", KnowledgeBase: "docs"}
)

// newFactory is the manager's factory over its own (base policy only)
// credentials, counting its calls.
func newFactory(calls *testenv.RequestCounter, opts ...Option) *Factory {
	cfg := manager.Copy()
	if calls != nil {
		calls.Install(&cfg)
	}
	return NewFactory(cfg, "", true, opts...)
}

func bucketPolicy(bucket string) string {
	return `{"Version":"2012-10-17","Statement":[{"Sid":"BedrockKnowledgeBaseAccess","Effect":"Allow","Principal":{"Service":"bedrock.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/*"}]}`
}

func putPolicy(ctx context.Context, c *Clients, bucket string) error {
	_, err := c.S3.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(bucketPolicy(bucket))})
	return err
}

func TestAssumedRoleLandsInItsAccount(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	c, err := newFactory(nil).ForIdentity(teamA, "")
	g.Expect(err).NotTo(HaveOccurred())
	caller, err := c.CallerIdentity(ctx)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(caller.Account).To(Equal(account))
	g.Expect(caller.ARN).To(Equal("arn:aws:sts::" + account + ":assumed-role/team-a/kbwarden-team-a.docs"))

	own, err := newFactory(nil).For("")
	g.Expect(err).NotTo(HaveOccurred())
	caller, err = own.CallerIdentity(ctx)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(caller.ARN).To(Equal(managerARN), "Base is the manager's own identity")
}

// TestTenantRolesReachOnlyTheirBuckets: with moto's IAM enforcement, team
// a's role (tenant-role-policy.json for team-a-*) may rewrite team-a's
// bucket policy and is denied team-b's, and the other way round; the
// manager's own identity (manager-base-policy.json) may touch neither.
func TestTenantRolesReachOnlyTheirBuckets(t *testing.T) {
	ctx := context.Background()
	f := newFactory(nil)
	cases := []struct {
		name    string
		id      Identity
		bucket  string
		allowed bool
	}{
		{"team-a on its bucket", teamA, "team-a-vectors", true},
		{"team-a on team-b's bucket", teamA, "team-b-vectors", false},
		{"team-b on its bucket", teamB, "team-b-vectors", true},
		{"team-b on team-a's bucket", teamB, "team-a-vectors", false},
		{"the manager itself", Base, "team-a-vectors", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			c, err := f.ForIdentity(tc.id, "")
			g.Expect(err).NotTo(HaveOccurred())
			err = putPolicy(ctx, c, tc.bucket)
			if tc.allowed {
				g.Expect(err).NotTo(HaveOccurred())
				return
			}
			g.Expect(awserr.Classify(err)).To(Equal(awserr.AccessDenied), "PutBucketPolicy on %s: %v", tc.bucket, err)
		})
	}
}

// TestCredentialsAreCached: many calls of one KnowledgeBase, in two
// regions, cost one AssumeRole and one GetCallerIdentity; another
// KnowledgeBase gets its own session.
func TestCredentialsAreCached(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	calls := testenv.NewRequestCounter()
	f := newFactory(calls)
	for range 10 {
		for _, region := range []string{"us-east-1", "eu-west-1"} {
			c, err := f.ForIdentity(teamA, region)
			g.Expect(err).NotTo(HaveOccurred())
			_, err = c.CallerIdentity(ctx)
			g.Expect(err).NotTo(HaveOccurred())
			_, err = c.AccountID(ctx)
			g.Expect(err).NotTo(HaveOccurred())
			if region == "us-east-1" {
				_, err = c.S3.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("team-a-vectors")})
				g.Expect(awserr.Classify(err)).NotTo(Equal(awserr.AccessDenied))
			}
		}
	}
	g.Expect(calls.Count("AssumeRole", "")).To(Equal(1))
	g.Expect(calls.Count("GetCallerIdentity", "")).To(Equal(1))
	g.Expect(calls.Count("GetBucketPolicy", "")).To(Equal(10))

	other := teamA
	other.KnowledgeBase = "faq"
	c, err := f.ForIdentity(other, "")
	g.Expect(err).NotTo(HaveOccurred())
	caller, err := c.CallerIdentity(ctx)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(caller.ARN).To(HaveSuffix("/kbwarden-team-a.faq"))
	g.Expect(calls.Count("AssumeRole", "")).To(Equal(2), "tags name the KnowledgeBase, so each has its own session")
	g.Expect(f.Sessions()).To(Equal(2))
}

func TestAssumeRoleRefused(t *testing.T) {
	wrongExternalID := teamA
	wrongExternalID.ExternalID = "not-team-a"
	cases := map[string]Identity{
		"the role does not trust the manager": {Binding: "team-a-dev", RoleARN: strangerRole, Namespace: "team-a", KnowledgeBase: "docs"},
		"wrong external ID":                   wrongExternalID,
		"a role outside the base policy":      {Binding: "x", RoleARN: "arn:aws:iam::" + account + ":role/admin", Namespace: "team-a", KnowledgeBase: "docs"},
	}
	for name, id := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			calls := testenv.NewRequestCounter()
			c, err := newFactory(calls).ForIdentity(id, "")
			g.Expect(err).NotTo(HaveOccurred())
			_, err = c.CallerIdentity(context.Background())
			var credErr *CredentialsError
			g.Expect(errors.As(err, &credErr)).To(BeTrue(), "%v", err)
			g.Expect(credErr.Identity).To(Equal(id))
			g.Expect(awserr.Classify(err)).To(Equal(awserr.AccessDenied), "%v", err)
			g.Expect(calls.Count("GetCallerIdentity", "")).To(BeZero(), "no credentials, no call")
		})
	}
}

func TestForKeepsTheFactoryAPI(t *testing.T) {
	g := NewWithT(t)
	f := newFactory(nil)
	a, err := f.For("")
	g.Expect(err).NotTo(HaveOccurred())
	b, err := f.ForIdentity(Base, testenv.Region)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(a).To(BeIdenticalTo(b))
	g.Expect(a.Region).To(Equal(testenv.Region))
	// A binding without a role acts as the manager itself.
	c, err := f.ForIdentity(Identity{Binding: "own", Namespace: "n", KnowledgeBase: "k"}, "")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(c).To(BeIdenticalTo(a))
	g.Expect(f.Sessions()).To(BeZero())

	_, err = NewFactory(aws.Config{}, "", false).ForIdentity(teamA, "")
	g.Expect(err).To(MatchError(ContainSubstring("no AWS region")))
}

func TestIdleSessionsAreDropped(t *testing.T) {
	g := NewWithT(t)
	clk := clocktesting.NewFakePassiveClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	f := newFactory(nil, WithClock(clk))
	_, err := f.ForIdentity(teamA, "")
	g.Expect(err).NotTo(HaveOccurred())
	_, err = f.ForIdentity(teamB, "")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(f.Sessions()).To(Equal(2))

	start := clk.Now()
	clk.SetTime(start.Add(SessionIdleTimeout * 3 / 4))
	_, err = f.ForIdentity(teamB, "") // team-b stays in use
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(f.Sessions()).To(Equal(2), "team-a is idle, but not for SessionIdleTimeout yet")
	// Sweeps run at most every SessionIdleTimeout/2, so an idle session
	// goes within one and a half timeouts.
	clk.SetTime(start.Add(SessionIdleTimeout * 3 / 2))
	_, err = f.ForIdentity(teamB, "")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(f.Sessions()).To(Equal(1), "team-a's session was idle for longer than SessionIdleTimeout")

	f.ForgetKnowledgeBase("team-b", "docs")
	g.Expect(f.Sessions()).To(BeZero())
	_, _ = f.ForIdentity(teamA, "")
	f.ForgetBinding("team-a-dev")
	g.Expect(f.Sessions()).To(BeZero())
}
