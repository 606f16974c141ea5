package bucketpolicy

import (
	"encoding/json"
	"testing"

	. "github.com/onsi/gomega"
)

func TestStatementMatchesRunbook(t *testing.T) {
	g := NewWithT(t)
	b, err := json.Marshal(runbookDesired().Statement())
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(equivalentPolicies(t, policyWith(string(b)), runbookExpected)).To(BeTrue(), "got %s", b)
}

func TestStatementShape(t *testing.T) {
	cases := []struct {
		name string
		d    Desired
		want string
	}{
		{name: "role principal, no conditions",
			d:    Desired{StatementID: "S", Principal: Principal{RoleARN: roleARN}, Actions: []string{"s3:GetObject"}, Resources: []string{"arn:aws:s3:::b/*"}},
			want: `{"Sid":"S","Effect":"Allow","Principal":{"AWS":"` + roleARN + `"},"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b/*"]}`},
		{name: "duplicates dropped, first spelling kept",
			d: Desired{StatementID: "S", Principal: Principal{Service: "bedrock.amazonaws.com"},
				Actions: []string{"s3:GetObject", "S3:GETOBJECT", "s3:PutObject"}, Resources: []string{"r", "r"}, SourceAccount: "1"},
			want: `{"Sid":"S","Effect":"Allow","Principal":{"Service":"bedrock.amazonaws.com"},"Action":["s3:GetObject","s3:PutObject"],"Resource":["r"],"Condition":{"StringEquals":{"aws:SourceAccount":"1"}}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			b, err := json.Marshal(tc.d.Statement())
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(equivalentPolicies(t, policyWith(string(b)), policyWith(tc.want))).To(BeTrue(), "got %s", b)
		})
	}
}

func TestARNHelpers(t *testing.T) {
	g := NewWithT(t)
	g.Expect(S3Resources("b", "")).To(Equal([]string{"arn:aws:s3:::b", "arn:aws:s3:::b/*"}))
	g.Expect(S3Resources("b", "aws-us-gov")).To(Equal([]string{"arn:aws-us-gov:s3:::b", "arn:aws-us-gov:s3:::b/*"}))
	g.Expect(S3VectorsResources("arn:aws:s3vectors:us-east-1:123456789012:bucket/vec")).To(Equal([]string{
		"arn:aws:s3vectors:us-east-1:123456789012:bucket/vec",
		"arn:aws:s3vectors:us-east-1:123456789012:bucket/vec/index/*",
	}))
	g.Expect(KnowledgeBaseARN("aws", "us-east-1", account, "KB12345678")).To(Equal("arn:aws:bedrock:us-east-1:275666109134:knowledge-base/KB12345678"))
	g.Expect(AnyKnowledgeBaseARN("", "us-east-1", account)).To(Equal("arn:aws:bedrock:us-east-1:275666109134:knowledge-base/*"))
	g.Expect(DefaultS3Actions()).To(Equal([]string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"}))
	g.Expect(DefaultS3VectorsActions()).To(Equal([]string{
		"s3vectors:PutVectors", "s3vectors:GetVectors", "s3vectors:DeleteVectors", "s3vectors:QueryVectors", "s3vectors:GetIndex",
	}))

	DefaultS3Actions()[0] = "changed"
	g.Expect(DefaultS3Actions()[0]).To(Equal("s3:GetObject"), "the defaults cannot be changed by a caller")
}

func TestGlobMatch(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "s3:PutObject", true},
		{"s3:*", "s3:PutObject", true},
		{"S3:put*", "s3:PutObject", true},
		{"s3:?utObject", "s3:PutObject", true},
		{"s3:*Object", "s3:PutObject", true},
		{"s3:Get*", "s3:PutObject", false},
		{"s3:PutObject", "s3:PutObjectAcl", false},
		{"s3vectors:*", "s3:PutObject", false},
		{"", "s3:PutObject", false},
		{"**a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
	}
	for _, tc := range cases {
		if got := globMatch(tc.pattern, tc.s); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}
