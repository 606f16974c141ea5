package bucketpolicy

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	. "github.com/onsi/gomega"

	awspolicy "github.com/hashicorp/awspolicyequivalence"

	"github.com/kbwarden/kbwarden/test/runbook"
)

// The runbook's two policies (INC-2025-KB-001), shared with the
// integration tests and the demo.
const (
	runbookFaulty   = runbook.FaultyPolicy
	runbookExpected = runbook.ExpectedPolicy
)

// denyInsecure is a statement someone else owns; it must survive every
// merge unchanged. The "<" and "&" check that it is not HTML-escaped.
const denyInsecure = `{
      "Sid": "DenyInsecureTransport",
      "Effect": "Deny",
      "Principal": "*",
      "Action": "s3:*",
      "Resource": [
        "arn:aws:s3:::sidekick-kb-vectors-dev-275666109134",
        "arn:aws:s3:::sidekick-kb-vectors-dev-275666109134/*"
      ],
      "Condition": {
        "Bool": { "aws:SecureTransport": "false" },
        "StringNotLike": { "aws:UserAgent": "<legacy> & friends" }
      }
    }`

const (
	sid         = "BedrockKnowledgeBaseAccess"
	bucket      = "sidekick-kb-vectors-dev-275666109134"
	account     = "275666109134"
	roleARN     = "arn:aws:iam::275666109134:role/BedrockKBRole"
	driftPrefix = "bucket policy statement BedrockKnowledgeBaseAccess "
)

// runbookDesired is what a KnowledgeBaseGuard for the runbook's bucket
// declares.
func runbookDesired() Desired {
	return Desired{
		StatementID:   sid,
		Principal:     Principal{Service: BedrockServicePrincipal},
		Actions:       DefaultS3Actions(),
		Resources:     S3Resources(bucket, "aws"),
		SourceAccount: account,
		SourceArn:     AnyKnowledgeBaseARN("aws", "us-east-1", account),
	}
}

// roleDesired is runbookDesired with a role principal.
func roleDesired() Desired {
	d := runbookDesired()
	d.Principal = Principal{RoleARN: roleARN}
	return d
}

// policyWith wraps statements (JSON objects) in a 2012-10-17 policy.
func policyWith(stmts ...string) string {
	out := `{"Version": "2012-10-17", "Statement": [`
	for i, s := range stmts {
		if i > 0 {
			out += ","
		}
		out += s
	}
	return out + "]}"
}

// ownedStatement returns the owned statement of the runbook's expected
// policy with the given Action, Principal and Condition JSON, so that
// table cases only spell out what they change.
func ownedStatement(action, principal, condition string) string {
	s := `{"Sid": "` + sid + `", "Effect": "Allow", "Principal": ` + principal +
		`, "Action": ` + action + `, "Resource": ["arn:aws:s3:::` + bucket + `", "arn:aws:s3:::` + bucket + `/*"]`
	if condition != "" {
		s += `, "Condition": ` + condition
	}
	return s + "}"
}

const (
	allActions  = `["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"]`
	bedrock     = `{"Service": "bedrock.amazonaws.com"}`
	runbookCond = `{"StringEquals": {"aws:SourceAccount": "275666109134"}, "ArnLike": {"aws:SourceArn": "arn:aws:bedrock:us-east-1:275666109134:knowledge-base/*"}}`
)

// compact returns s without insignificant whitespace, failing the test if
// s is not JSON.
func compact(t testing.TB, s string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(s)); err != nil {
		t.Fatalf("compact %q: %v", s, err)
	}
	return buf.String()
}

// equivalentPolicies is the test's own semantic comparison, so that tests
// never compare policies as strings.
func equivalentPolicies(t testing.TB, a, b string) bool {
	t.Helper()
	eq, err := awspolicy.PoliciesAreEquivalent(a, b)
	if err != nil {
		t.Fatalf("compare policies: %v", err)
	}
	return eq
}

// statements returns the statements of a policy this package wrote, which
// is always an object whose Statement is a list.
func statements(t testing.TB, policy string) []json.RawMessage {
	t.Helper()
	var doc struct{ Statement []json.RawMessage }
	if err := json.Unmarshal([]byte(policy), &doc); err != nil {
		t.Fatalf("parse written policy: %v\n%s", err, policy)
	}
	return doc.Statement
}

// expectErrorType checks with errors.As, as the caller will, that err is of
// the same type as want.
func expectErrorType(g Gomega, err, want error) {
	target := reflect.New(reflect.TypeOf(want))
	g.ExpectWithOffset(1, errors.As(err, target.Interface())).To(BeTrue(), "error %v is not a %T", err, want)
}
