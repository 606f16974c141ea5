package bucketpolicy

import (
	"testing"

	awspolicy "github.com/hashicorp/awspolicyequivalence"
)

// TestEquivalenceBehaviour pins how awspolicyequivalence v1.7.0 judges the
// cases kbwarden meets, because InSync is its verdict: if an upgrade changes
// one of these, the drift messages and the write decisions change with it.
func TestEquivalenceBehaviour(t *testing.T) {
	stmt := func(fields string) string {
		return `{"Version":"2012-10-17","Statement":[{"Sid":"S",` + fields + `}]}`
	}
	base := stmt(`"Effect":"Allow","Principal":{"Service":"bedrock.amazonaws.com"},"Action":["s3:GetObject"],"Resource":["r"]`)
	cases := []struct {
		name  string
		other string
		same  bool
	}{
		{"single strings equal one-element lists", stmt(`"Effect":"Allow","Principal":{"Service":"bedrock.amazonaws.com"},"Action":"s3:GetObject","Resource":"r"`), true},
		{"Effect ignores case", stmt(`"Effect":"allow","Principal":{"Service":"bedrock.amazonaws.com"},"Action":"s3:GetObject","Resource":"r"`), true},
		{"action names are case-sensitive", stmt(`"Effect":"Allow","Principal":{"Service":"bedrock.amazonaws.com"},"Action":"S3:GetObject","Resource":"r"`), false},
		{"service principals are case-sensitive", stmt(`"Effect":"Allow","Principal":{"Service":"Bedrock.amazonaws.com"},"Action":"s3:GetObject","Resource":"r"`), false},
		{"duplicates count", stmt(`"Effect":"Allow","Principal":{"Service":"bedrock.amazonaws.com"},"Action":["s3:GetObject","s3:GetObject"],"Resource":"r"`), false},
		{"unknown statement fields are ignored", stmt(`"Effect":"Allow","Principal":{"Service":"bedrock.amazonaws.com"},"Action":"s3:GetObject","Resource":"r","Bogus":1`), true},
		{"principal wildcard is not {AWS: *}", stmt(`"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"r"`), false},
	}
	for _, tc := range cases {
		got, err := awspolicy.PoliciesAreEquivalent(base, tc.other)
		if err != nil || got != tc.same {
			t.Errorf("%s: equivalent = %v, %v; want %v", tc.name, got, err, tc.same)
		}
	}

	// An AWS account ID and its root ARN are one principal.
	a := stmt(`"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"s3:GetObject","Resource":"r"`)
	b := stmt(`"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"s3:GetObject","Resource":"r"`)
	if eq, err := awspolicy.PoliciesAreEquivalent(a, b); err != nil || !eq {
		t.Errorf("account ID vs root ARN: equivalent = %v, %v; want true", eq, err)
	}
	// Condition keys are compared case-sensitively, although IAM does not.
	c := stmt(`"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"r","Condition":{"StringEquals":{"aws:SourceAccount":"1"}}`)
	d := stmt(`"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"r","Condition":{"StringEquals":{"aws:sourceaccount":"1"}}`)
	if eq, _ := awspolicy.PoliciesAreEquivalent(c, d); eq {
		t.Errorf("condition key case: equivalent = true; want false")
	}
}
