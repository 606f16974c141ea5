package tenancy

import (
	"errors"
	"testing"

	. "github.com/onsi/gomega"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
)

func teamAGrant(t *testing.T) *Grant {
	t.Helper()
	b := binding("team-a-dev", "team-a", func(b *kbv1.AccountBinding) {
		b.Spec.Regions = []string{"us-east-1", "eu-west-1"}
		b.Spec.Buckets = []string{"team-a-*", "acme-docs/team-a/*"}
		b.Spec.KnowledgeBaseIDs = []string{"KBTEAMA???", "ABCDEFGHIJ"}
	})
	g, err := NewGrant(&b)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestGrantChecks(t *testing.T) {
	g := teamAGrant(t)
	cases := map[string]struct {
		err      error
		reason   string // "" when granted
		contains string
	}{
		"region granted":                {err: g.Region("eu-west-1")},
		"region not granted":            {err: g.Region("us-west-2"), reason: kbv1.NotGrantedReason, contains: "region us-west-2 (it grants us-east-1, eu-west-1)"},
		"empty region":                  {err: g.Region(""), reason: kbv1.NotGrantedReason},
		"account defaulted":             {err: g.Account("")},
		"account of the binding":        {err: g.Account("111111111111")},
		"another account":               {err: g.Account("222222222222"), reason: kbv1.AccountMismatchReason, contains: "spec.accountId 222222222222 is not the account of AccountBinding team-a-dev (111111111111)"},
		"principal role of the account": {err: g.PrincipalRole("arn:aws:iam::111111111111:role/service-role/kb")},
		"principal role elsewhere":      {err: g.PrincipalRole("arn:aws:iam::222222222222:role/kb"), reason: kbv1.AccountMismatchReason, contains: "not a role of account 111111111111"},
		"principal user of the account": {err: g.PrincipalRole("arn:aws:iam::111111111111:user/kb"), reason: kbv1.AccountMismatchReason},
		"knowledge base pattern":        {err: g.KnowledgeBaseID("KBTEAMA123")},
		"knowledge base exact":          {err: g.KnowledgeBaseID("ABCDEFGHIJ")},
		"knowledge base not":            {err: g.KnowledgeBaseID("KBTEAMB123"), reason: kbv1.NotGrantedReason, contains: "spec.knowledgeBaseIds"},
		"vector bucket":                 {err: g.Bucket("team-a-vectors")},
		"another team's bucket":         {err: g.Bucket("team-b-vectors"), reason: kbv1.NotGrantedReason, contains: "bucket team-b-vectors (its buckets are team-a-*, acme-docs/team-a/*)"},
		"shared bucket as a whole":      {err: g.Bucket("acme-docs"), reason: kbv1.NotGrantedReason},
		"own bucket, any prefix":        {err: g.Prefix("team-a-docs", "")},
		"shared bucket, own prefix":     {err: g.Prefix("acme-docs", "team-a/x/")},
		"shared bucket, other prefix":   {err: g.Prefix("acme-docs", "team-b/"), reason: kbv1.NotGrantedReason, contains: "the keys under acme-docs/team-b/"},
		"shared bucket, empty prefix":   {err: g.Prefix("acme-docs", ""), reason: kbv1.NotGrantedReason, contains: "an empty prefix is the whole bucket"},
		"shared bucket, shorter prefix": {err: g.Prefix("acme-docs", "team-a"), reason: kbv1.NotGrantedReason},
		"global file in own prefix":     {err: g.Object("acme-docs", "team-a/acl.json")},
		"global file elsewhere":         {err: g.Object("acme-docs", "acl.json"), reason: kbv1.NotGrantedReason, contains: "the object acme-docs/acl.json"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			gm := NewWithT(t)
			if tc.reason == "" {
				gm.Expect(tc.err).NotTo(HaveOccurred())
				return
			}
			var terr *Error
			gm.Expect(errors.As(tc.err, &terr)).To(BeTrue())
			gm.Expect(terr.Reason).To(Equal(tc.reason))
			gm.Expect(terr.Message).To(ContainSubstring(tc.contains))
			gm.Expect(terr.Message).To(ContainSubstring("ask the platform team"))
		})
	}
}

func TestGrantWithoutRestrictions(t *testing.T) {
	gm := NewWithT(t)
	b := binding("open", "team-a") // no regions, no knowledgeBaseIds
	g, err := NewGrant(&b)
	gm.Expect(err).NotTo(HaveOccurred())
	gm.Expect(g.Region("ap-south-1")).To(Succeed())
	gm.Expect(g.KnowledgeBaseID("ANYTHING12")).To(Succeed())
}

func TestNewGrantRefusesWhatTheCRDRefuses(t *testing.T) {
	for _, mutate := range []func(*kbv1.AccountBinding){
		func(b *kbv1.AccountBinding) { b.Spec.Buckets = []string{"team-[ab]-*"} },
		func(b *kbv1.AccountBinding) { b.Spec.Buckets = []string{"acme-docs/team-a/"} },
		func(b *kbv1.AccountBinding) { b.Spec.KnowledgeBaseIDs = []string{"KB[0-9]"} },
	} {
		b := binding("bad", "team-a", mutate)
		if _, err := NewGrant(&b); err == nil {
			t.Errorf("NewGrant accepted %+v", b.Spec)
		}
	}
}

func TestGrantCheck(t *testing.T) {
	g := teamAGrant(t)
	cases := map[string]struct {
		req      Request
		reason   string
		contains []string
	}{
		"everything granted": {req: Request{
			Region: "us-east-1", KnowledgeBaseIDs: []string{"KBTEAMA001"},
			Buckets:  []Location{{Field: "vectorBucket.name", Bucket: "team-a-vectors"}},
			Prefixes: []Location{{Field: "documents.prefix", Bucket: "acme-docs", Key: "team-a/docs/"}, {Field: "accessControl.metadataPrefix", Bucket: "acme-docs", Key: "team-a/meta/"}},
			Objects:  []Location{{Field: "accessControl.globalFile", Bucket: "acme-docs", Key: "team-a/acl.json"}},
		}},
		"account mismatch is reported alone": {
			req:    Request{AccountID: "222222222222", Region: "us-west-2", Buckets: []Location{{Bucket: "team-b-vectors"}}},
			reason: kbv1.AccountMismatchReason, contains: []string{"222222222222"},
		},
		"every missing grant in one message": {
			req: Request{
				Region:   "us-west-2",
				Buckets:  []Location{{Field: "vectorBucket.name", Bucket: "team-b-vectors"}},
				Prefixes: []Location{{Field: "documents.prefix", Bucket: "acme-docs", Key: "team-b/"}},
				Objects:  []Location{{Field: "accessControl.globalFile", Bucket: "acme-docs", Key: "acl.json"}},
			},
			reason: kbv1.NotGrantedReason,
			contains: []string{"region: AccountBinding team-a-dev does not grant region us-west-2",
				"vectorBucket.name: AccountBinding team-a-dev does not grant bucket team-b-vectors",
				"documents.prefix: AccountBinding team-a-dev does not grant the keys under acme-docs/team-b/",
				"accessControl.globalFile: AccountBinding team-a-dev does not grant the object acme-docs/acl.json"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			gm := NewWithT(t)
			err := g.Check(tc.req)
			if tc.reason == "" {
				gm.Expect(err).NotTo(HaveOccurred())
				return
			}
			gm.Expect(errors.Is(err, &Error{Reason: tc.reason})).To(BeTrue(), "%v", err)
			for _, s := range tc.contains {
				gm.Expect(err.Error()).To(ContainSubstring(s))
			}
		})
	}
}
