package bucketpolicy

import (
	"errors"
	"testing"

	. "github.com/onsi/gomega"
)

// TestReconcileAdoptsOnlyAnAllowOfTheSameKind: a statement with kbwarden's
// Sid that is not an Allow for the desired kind of principal is someone
// else's; Reconcile names what differs and merges nothing (issue 11, item 1).
func TestReconcileAdoptsOnlyAnAllowOfTheSameKind(t *testing.T) {
	cases := map[string]struct {
		live    string
		desired func() Desired
		differs []string
	}{
		"a security team's Deny": {live: policyWith(denyInsecure, denyWithOurSid),
			differs: []string{"effect is Deny, not Allow", "principal is *, but kbwarden grants a service principal"}},
		"an Allow to a role when a service is granted": {live: policyWith(ownedStatement(allActions, rolePrincipal, runbookCond)),
			differs: []string{"principal is {AWS: " + roleARN + "}, but kbwarden grants a service principal"}},
		"an Allow to a service when a role is granted": {live: runbookExpected, desired: roleDesired,
			differs: []string{"principal is {Service: bedrock.amazonaws.com}, but kbwarden grants an IAM role (an AWS principal)"}},
		"a service and a role together": {live: policyWith(ownedStatement(allActions, `{"Service": "bedrock.amazonaws.com", "AWS": "`+roleARN+`"}`, runbookCond)),
			differs: []string{"principal is {AWS: " + roleARN + ", Service: bedrock.amazonaws.com}, but kbwarden grants a service principal"}},
		"NotPrincipal": {live: policyWith(`{"Sid": "` + sid + `", "Effect": "Allow", "NotPrincipal": {"AWS": "` + roleARN + `"}, "Action": "s3:GetObject", "Resource": "*"}`),
			differs: []string{"it has NotPrincipal, which kbwarden never writes", "principal is missing, but kbwarden grants a service principal"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			d := runbookDesired()
			if tc.desired != nil {
				d = tc.desired()
			}
			res, err := Reconcile(tc.live, d)
			var notOwned *StatementNotOwnedError
			g.Expect(errors.As(err, &notOwned)).To(BeTrue(), "got %v", err)
			g.Expect(notOwned.Sid).To(Equal(sid))
			g.Expect(notOwned.Differs).To(Equal(tc.differs))
			g.Expect(res.Policy).To(BeEmpty(), "nothing is merged")
		})
	}
}

// TestStatementHash: the hash is semantic (AWS's reformatting keeps it) and
// moves with any change of meaning; Reconcile reports the desired hash.
func TestStatementHash(t *testing.T) {
	g := NewWithT(t)
	want := runbookDesired().StatementHash()
	g.Expect(hashOf(t, expectedOwned)).To(Equal(want), "the runbook's statement is what kbwarden writes")
	same := []string{
		`{"Effect":"allow","Condition":{"ArnLike":{"aws:SourceArn":["arn:aws:bedrock:us-east-1:275666109134:knowledge-base/*"]},"StringEquals":{"AWS:SourceAccount":"275666109134"}},` +
			`"Resource":["arn:aws:s3:::` + bucket + `/*","arn:aws:s3:::` + bucket + `"],"Action":["S3:ListBucket","s3:DeleteObject","s3:GetObject","s3:PutObject"],` +
			`"Principal":{"Service":["bedrock.amazonaws.com"]},"Sid":"` + sid + `"}`,
	}
	for _, s := range same {
		g.Expect(hashOf(t, s)).To(Equal(want), s)
	}
	differ := []string{
		faultyOwned,
		ownedStatement(allActions, rolePrincipal, runbookCond),
		ownedStatement(allActions, bedrock, ""),
		ownedStatement(allActions, `{"Service": ["bedrock.amazonaws.com", "ec2.amazonaws.com"]}`, runbookCond),
		`{"Sid": "` + sid + `", "Effect": "Allow", "Principal": ` + bedrock + `, "Action": ` + allActions + `, "NotResource": "x"}`,
		`{"Sid": "Other", "Effect": "Allow", "Principal": ` + bedrock + `, "Action": ` + allActions + `, "Resource": ["arn:aws:s3:::` + bucket + `", "arn:aws:s3:::` + bucket + `/*"], "Condition": ` + runbookCond + `}`,
		expectedOwned[:len(expectedOwned)-1] + `, "Bogus": 1}`,
	}
	for _, s := range differ {
		g.Expect(hashOf(t, s)).NotTo(Equal(want), s)
	}
	_, err := StatementHash([]byte(`[1]`))
	g.Expect(err).To(HaveOccurred())

	res, err := Reconcile(runbookFaulty, runbookDesired())
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.StatementHash).To(Equal(want))
	in, err := Reconcile(res.Policy, runbookDesired())
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(in.InSync).To(BeTrue())
	g.Expect(in.StatementHash).To(Equal(want))
	g.Expect(hashOf(t, string(statements(t, res.Policy)[0]))).To(Equal(want), "the written statement hashes as recorded")
}
