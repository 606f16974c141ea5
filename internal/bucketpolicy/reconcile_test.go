package bucketpolicy

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	. "github.com/onsi/gomega"
)

// reconcileCase is one live policy and what Reconcile must make of it.
type reconcileCase struct {
	name    string
	live    string
	desired func() Desired // nil means runbookDesired
	wantErr error          // only its type matters, checked with errors.As
	inSync  bool
	drift   []string       // without driftPrefix
	missing []string       // MissingActions
	want    string         // a policy the written one must mean, if set
	kept    map[int]string // statement index -> foreign statement kept as is
}

var (
	faultyOwned   = ownedStatement(`["s3:GetObject", "s3:ListBucket"]`, bedrock, runbookCond)
	expectedOwned = ownedStatement(allActions, bedrock, runbookCond)
	rolePrincipal = `{"AWS": "` + roleARN + `"}`
	allMissing    = []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"}
)

func reconcileCases() []reconcileCase {
	return []reconcileCase{
		{name: "runbook faulty policy", live: runbookFaulty,
			drift:   []string{"lacks s3:PutObject", "lacks s3:DeleteObject"},
			missing: []string{"s3:PutObject", "s3:DeleteObject"}, want: runbookExpected},
		{name: "runbook faulty policy beside someone else's statement and Id",
			live:    `{"Id": "SecurityBaseline", "Version": "2012-10-17", "Statement": [` + denyInsecure + `,` + faultyOwned + `]}`,
			drift:   []string{"lacks s3:PutObject", "lacks s3:DeleteObject"},
			missing: []string{"s3:PutObject", "s3:DeleteObject"},
			want:    `{"Id": "SecurityBaseline", "Version": "2012-10-17", "Statement": [` + denyInsecure + `,` + expectedOwned + `]}`,
			kept:    map[int]string{0: denyInsecure}},
		{name: "someone else's statement after ours stays after it",
			live:  policyWith(faultyOwned, denyInsecure),
			drift: []string{"lacks s3:PutObject", "lacks s3:DeleteObject"}, missing: []string{"s3:PutObject", "s3:DeleteObject"},
			want: policyWith(expectedOwned, denyInsecure), kept: map[int]string{1: denyInsecure}},
		{name: "no policy", live: "", drift: []string{"is missing"}, missing: allMissing, want: runbookExpected},
		{name: "whitespace-only policy", live: " \n\t", drift: []string{"is missing"}, missing: allMissing, want: runbookExpected},
		{name: "empty statement list", live: policyWith(), drift: []string{"is missing"}, missing: allMissing, want: runbookExpected},
		{name: "only someone else's statement", live: policyWith(denyInsecure),
			drift: []string{"is missing"}, missing: allMissing,
			want: policyWith(denyInsecure, expectedOwned), kept: map[int]string{0: denyInsecure}},
		{name: "reformatted and reordered, same meaning", inSync: true,
			live: `{"Statement":[{"Condition":{"ArnLike":{"aws:SourceArn":["arn:aws:bedrock:us-east-1:275666109134:knowledge-base/*"]},` +
				`"StringEquals":{"aws:SourceAccount":"275666109134"}},"Resource":["arn:aws:s3:::` + bucket + `/*","arn:aws:s3:::` + bucket + `"],` +
				`"Action":["s3:ListBucket","s3:DeleteObject","s3:GetObject","s3:PutObject"],"Principal":{"Service":["bedrock.amazonaws.com"]},` +
				`"Effect":"Allow","Sid":"BedrockKnowledgeBaseAccess"}],"Version":"2012-10-17"}`},
		{name: "single-string Action and Resource in sync", inSync: true,
			desired: func() Desired {
				d := runbookDesired()
				d.Actions, d.Resources = []string{"s3:GetObject"}, []string{"arn:aws:s3:::" + bucket + "/*"}
				return d
			},
			live: policyWith(`{"Sid":"` + sid + `","Effect":"Allow","Principal":{"Service":"bedrock.amazonaws.com"},"Action":"s3:GetObject",` +
				`"Resource":"arn:aws:s3:::` + bucket + `/*","Condition":` + runbookCond + `}`)},
		{name: "single-string Action lacking the rest", live: policyWith(ownedStatement(`"s3:GetObject"`, bedrock, runbookCond)),
			drift:   []string{"lacks s3:PutObject", "lacks s3:DeleteObject", "lacks s3:ListBucket"},
			missing: []string{"s3:PutObject", "s3:DeleteObject", "s3:ListBucket"}, want: runbookExpected},
		{name: "Statement as an object, in sync", inSync: true,
			live: `{"Version": "2012-10-17", "Statement": ` + expectedOwned + `}`},
		{name: "Statement as an object, drifted", live: `{"Version": "2012-10-17", "Statement": ` + faultyOwned + `}`,
			drift: []string{"lacks s3:PutObject", "lacks s3:DeleteObject"}, missing: []string{"s3:PutObject", "s3:DeleteObject"}, want: runbookExpected},
		{name: "Statement as an object owned by someone else", live: `{"Version": "2012-10-17", "Statement": ` + denyInsecure + `}`,
			drift: []string{"is missing"}, missing: allMissing, want: policyWith(denyInsecure, expectedOwned), kept: map[int]string{0: denyInsecure}},
		{name: "extra action", live: policyWith(ownedStatement(`["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:*"]`, bedrock, runbookCond)),
			drift: []string{"has extra action s3:*"}, want: runbookExpected},
		{name: "wildcard instead of the actions", live: policyWith(ownedStatement(`"s3:*"`, bedrock, runbookCond)),
			drift: []string{"lacks s3:GetObject", "lacks s3:PutObject", "lacks s3:DeleteObject", "lacks s3:ListBucket", "has extra action s3:*"},
			want:  runbookExpected},
		{name: "action differs only in case", live: policyWith(ownedStatement(`["s3:getobject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"]`, bedrock, runbookCond)),
			drift: []string{"has action s3:getobject, want s3:GetObject"}, want: runbookExpected},
		{name: "duplicate action", live: policyWith(ownedStatement(`["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:GetObject"]`, bedrock, runbookCond)),
			drift: []string{"lists action s3:GetObject more than once"}, want: runbookExpected},
		{name: "role instead of the service principal (runbook pitfall 2) is someone else's",
			live:    policyWith(ownedStatement(allActions, `{"AWS": "arn:aws:iam::123456789012:role/BedrockRole"}`, runbookCond)),
			wantErr: &StatementNotOwnedError{}},
		{name: "everyone as principal is someone else's", live: policyWith(ownedStatement(allActions, `"*"`, runbookCond)),
			wantErr: &StatementNotOwnedError{}},
		{name: "another service principal is adopted and repaired", live: policyWith(ownedStatement(allActions, `{"Service": "ec2.amazonaws.com"}`, runbookCond)),
			drift: []string{"principal is {Service: ec2.amazonaws.com}, want {Service: bedrock.amazonaws.com}"}, missing: allMissing, want: runbookExpected},
		{name: "principal repeated, which only the semantic comparison notices",
			live:  policyWith(ownedStatement(allActions, `{"Service": ["bedrock.amazonaws.com", "bedrock.amazonaws.com"]}`, runbookCond)),
			drift: []string{"differs from the desired statement in a way the field comparison does not show (for example duplicate entries)"}, want: runbookExpected},
		{name: "missing conditions (runbook pitfall 3)", live: policyWith(ownedStatement(allActions, bedrock, "")),
			drift: []string{"condition StringEquals aws:SourceAccount is missing", "condition ArnLike aws:SourceArn is missing"}, want: runbookExpected},
		{name: "wrong source ARN",
			live:  policyWith(ownedStatement(allActions, bedrock, `{"StringEquals": {"aws:SourceAccount": "275666109134"}, "ArnLike": {"aws:SourceArn": "arn:aws:bedrock:us-east-1:999999999999:knowledge-base/*"}}`)),
			drift: []string{"condition aws:SourceArn is arn:aws:bedrock:us-east-1:999999999999:knowledge-base/*, want arn:aws:bedrock:us-east-1:275666109134:knowledge-base/*"},
			want:  runbookExpected},
		{name: "condition under another operator",
			live:  policyWith(ownedStatement(allActions, bedrock, `{"StringEquals": {"aws:SourceAccount": "275666109134"}, "StringLike": {"aws:SourceArn": "arn:aws:bedrock:us-east-1:275666109134:knowledge-base/*"}}`)),
			drift: []string{"condition aws:SourceArn uses StringLike, want ArnLike"}, want: runbookExpected},
		{name: "extra condition",
			live:  policyWith(ownedStatement(allActions, bedrock, `{"Bool": {"aws:SecureTransport": true}, "StringEquals": {"aws:SourceAccount": "275666109134"}, "ArnLike": {"aws:SourceArn": "arn:aws:bedrock:us-east-1:275666109134:knowledge-base/*"}}`)),
			drift: []string{"has extra condition Bool aws:SecureTransport"}, want: runbookExpected},
		{name: "condition that is not an object", live: policyWith(ownedStatement(allActions, bedrock, `"none"`)),
			drift: []string{"condition block is not an object of operators and keys"}, want: runbookExpected},
		{name: "only the bucket ARN (runbook pitfall 1)",
			live: policyWith(`{"Sid": "` + sid + `", "Effect": "Allow", "Principal": ` + bedrock + `, "Action": ` + allActions +
				`, "Resource": "arn:aws:s3:::` + bucket + `", "Condition": ` + runbookCond + `}`),
			drift: []string{"resource arn:aws:s3:::" + bucket + "/* is missing"}, want: runbookExpected},
		{name: "deny instead of allow is someone else's",
			live: policyWith(`{"Sid": "` + sid + `", "Effect": "Deny", "Principal": ` + bedrock + `, "Action": ` + allActions +
				`, "Resource": ["arn:aws:s3:::` + bucket + `", "arn:aws:s3:::` + bucket + `/*"], "Condition": ` + runbookCond + `}`),
			wantErr: &StatementNotOwnedError{}},
		{name: "NotAction instead of Action",
			live: policyWith(`{"Sid": "` + sid + `", "Effect": "Allow", "Principal": ` + bedrock + `, "NotAction": "s3:DeleteBucket"` +
				`, "Resource": ["arn:aws:s3:::` + bucket + `", "arn:aws:s3:::` + bucket + `/*"], "Condition": ` + runbookCond + `}`),
			drift: []string{"has NotAction, which kbwarden does not write",
				"lacks s3:GetObject", "lacks s3:PutObject", "lacks s3:DeleteObject", "lacks s3:ListBucket"},
			want: runbookExpected},
		{name: "role principal, no policy", desired: roleDesired, live: "", drift: []string{"is missing"}, missing: allMissing,
			want: policyWith(ownedStatement(allActions, rolePrincipal, runbookCond))},
		{name: "role principal in sync", desired: roleDesired, inSync: true,
			live: policyWith(ownedStatement(allActions, rolePrincipal, runbookCond))},
		{name: "role principal wanted, service principal found", desired: roleDesired, live: runbookExpected,
			wantErr: &StatementNotOwnedError{}},
		{name: "role principal wanted, another role found, is adopted", desired: roleDesired,
			live:    policyWith(ownedStatement(allActions, `{"AWS": "arn:aws:iam::275666109134:role/Other"}`, runbookCond)),
			drift:   []string{"principal is {AWS: arn:aws:iam::275666109134:role/Other}, want {AWS: " + roleARN + "}"},
			missing: allMissing, want: policyWith(ownedStatement(allActions, rolePrincipal, runbookCond))},
		{name: "role principal wanted, an account found, is someone else's", desired: roleDesired,
			live: policyWith(ownedStatement(allActions, `{"AWS": "275666109134"}`, runbookCond)), wantErr: &StatementNotOwnedError{}},
		{name: "statement whose Sid is not a string is someone else's",
			live:  policyWith(`{"Sid": 5, "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}`),
			drift: []string{"is missing"}, missing: allMissing,
			kept: map[int]string{0: `{"Sid": 5, "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}`}},
		{name: "no Version stays without Version when others' statements exist",
			live: `{"Statement": [` + denyInsecure + `]}`, drift: []string{"is missing"}, missing: allMissing,
			want: `{"Statement": [` + denyInsecure + `,` + expectedOwned + `]}`},
		{name: "Version 2008-10-17 is kept", live: `{"Version": "2008-10-17", "Statement": [` + denyInsecure + `]}`,
			drift: []string{"is missing"}, missing: allMissing,
			want: `{"Version": "2008-10-17", "Statement": [` + denyInsecure + `,` + expectedOwned + `]}`},
		{name: "whitespace does not count towards the size limit",
			live:  `{"Version": "2012-10-17",` + spaces(30000) + `"Statement": [` + denyInsecure + `]}`,
			drift: []string{"is missing"}, missing: allMissing, want: policyWith(denyInsecure, expectedOwned)},

		{name: "not JSON", live: `{"Version": "2012-10-17", "Statement": [`, wantErr: &MalformedPolicyError{}},
		{name: "trailing data", live: policyWith() + "{}", wantErr: &MalformedPolicyError{}},
		{name: "JSON null", live: "null", wantErr: &MalformedPolicyError{}},
		{name: "JSON array", live: "[" + runbookExpected + "]", wantErr: &MalformedPolicyError{}},
		{name: "Statement missing", live: `{"Version": "2012-10-17"}`, wantErr: &MalformedPolicyError{}},
		{name: "Statement null", live: `{"Version": "2012-10-17", "Statement": null}`, wantErr: &MalformedPolicyError{}},
		{name: "Statement a string", live: `{"Version": "2012-10-17", "Statement": "Allow"}`, wantErr: &MalformedPolicyError{}},
		{name: "statement not an object", live: policyWith(expectedOwned, `"Deny"`), wantErr: &MalformedPolicyError{}},
		{name: "Version not a string", live: `{"Version": 2012, "Statement": []}`, wantErr: &MalformedPolicyError{}},
		{name: "duplicate top-level key", live: `{"Version": "2012-10-17", "Statement": [], "Statement": []}`, wantErr: &MalformedPolicyError{}},
		{name: "duplicate Sid", live: policyWith(expectedOwned, faultyOwned), wantErr: &DuplicateStatementError{}},
		{name: "too large", live: policyWith(denyInsecure, bigStatement(1000)), wantErr: &PolicyTooLargeError{}},
		{name: "desired without actions", desired: func() Desired { d := runbookDesired(); d.Actions = nil; return d },
			live: runbookExpected, wantErr: &InvalidDesiredError{}},
		{name: "desired with two principals", desired: func() Desired { d := runbookDesired(); d.Principal.RoleARN = roleARN; return d },
			live: runbookExpected, wantErr: &InvalidDesiredError{}},
	}
}

func TestReconcile(t *testing.T) {
	for _, tc := range reconcileCases() {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			d := runbookDesired()
			if tc.desired != nil {
				d = tc.desired()
			}
			res, err := Reconcile(tc.live, d)
			if tc.wantErr != nil {
				expectErrorType(g, err, tc.wantErr)
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(res.InSync).To(Equal(tc.inSync))
			expectStrings(g, res.Drift, prefixed(tc.drift))
			expectStrings(g, res.MissingActions(), tc.missing)
			if tc.inSync {
				g.Expect(res.Policy).To(Equal(tc.live), "an in-sync policy must not be rewritten")
				return
			}
			g.Expect(res.Policy).To(Equal(compact(t, res.Policy)), "written policies are compact")
			if tc.want != "" {
				g.Expect(equivalentPolicies(t, res.Policy, tc.want)).To(BeTrue(), "got %s\nwant %s", res.Policy, tc.want)
			}
			written := statements(t, res.Policy)
			for i, raw := range tc.kept {
				g.Expect(len(written)).To(BeNumerically(">", i))
				g.Expect(string(written[i])).To(Equal(compact(t, raw)), "someone else's statement changed")
			}
			again, err := Reconcile(res.Policy, d)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(again.InSync).To(BeTrue(), "the written policy must be in sync: %v", again.Drift)
		})
	}
}

func TestReconcileIsDeterministic(t *testing.T) {
	for _, tc := range reconcileCases() {
		d := runbookDesired()
		if tc.desired != nil {
			d = tc.desired()
		}
		first, err1 := Reconcile(tc.live, d)
		for range 5 {
			again, err2 := Reconcile(tc.live, d)
			if !reflect.DeepEqual(first, again) || (err1 == nil) != (err2 == nil) {
				t.Fatalf("%s: Reconcile is not deterministic", tc.name)
			}
		}
	}
}

func TestReconcileTooLargeKeepsDiagnosis(t *testing.T) {
	g := NewWithT(t)
	res, err := Reconcile(policyWith(faultyOwned, bigStatement(1000)), runbookDesired())
	var tooLarge *PolicyTooLargeError
	g.Expect(errors.As(err, &tooLarge)).To(BeTrue())
	g.Expect(tooLarge.Limit).To(Equal(20480))
	g.Expect(tooLarge.Size).To(BeNumerically(">", 20480))
	g.Expect(res.Policy).To(BeEmpty())
	g.Expect(res.Drift).To(ContainElement(driftPrefix + "lacks s3:PutObject"))
	g.Expect(res.MissingActions()).To(Equal([]string{"s3:PutObject", "s3:DeleteObject"}))
}

func TestReconcileErrorsNameTheProblem(t *testing.T) {
	g := NewWithT(t)
	_, err := Reconcile(policyWith(expectedOwned, expectedOwned), runbookDesired())
	var dup *DuplicateStatementError
	g.Expect(errors.As(err, &dup)).To(BeTrue())
	g.Expect(dup.Sid).To(Equal(sid))

	_, err = Reconcile(`{"Statement": [1]}`, runbookDesired())
	var malformed *MalformedPolicyError
	g.Expect(errors.As(err, &malformed)).To(BeTrue())
	g.Expect(malformed.Reason).To(Equal("statement 1 is not an object"))
}

func TestMissingActionsHonoursWildcards(t *testing.T) {
	g := NewWithT(t)
	res, err := Reconcile(policyWith(ownedStatement(`["s3:Get*", "S3:LIST*", "s3:?utObject"]`, bedrock, runbookCond)), runbookDesired())
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.MissingActions()).To(Equal([]string{"s3:DeleteObject"}))

	res.MissingActions()[0] = "changed"
	g.Expect(res.MissingActions()).To(Equal([]string{"s3:DeleteObject"}), "callers get a copy")
}

// bigStatement is someone else's statement with n resources, large enough
// to push a policy past S3's limit.
func bigStatement(n int) string {
	resources := make([]string, n)
	for i := range resources {
		resources[i] = "arn:aws:s3:::some-other-bucket-with-a-long-name/prefix/" + string(rune('a'+i%26))
	}
	b, _ := json.Marshal(map[string]any{"Sid": "Big", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": resources})
	return string(b)
}

// spaces returns n spaces.
func spaces(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = ' '
	}
	return string(b)
}

// prefixed adds the statement prefix every drift message carries.
func prefixed(msgs []string) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = driftPrefix + m
	}
	return out
}

// expectStrings compares lists treating nil and empty as the same.
func expectStrings(g Gomega, got, want []string) {
	g.ExpectWithOffset(1, len(got)).To(Equal(len(want)), "got %q, want %q", got, want)
	if len(want) > 0 {
		g.ExpectWithOffset(1, got).To(Equal(want))
	}
}
