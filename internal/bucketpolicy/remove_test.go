package bucketpolicy

import (
	"encoding/json"
	"errors"
	"testing"

	. "github.com/onsi/gomega"
)

// denyWithOurSid is a security team's Deny that happens to carry kbwarden's
// Sid (issue 11, item 1).
var denyWithOurSid = `{"Sid": "` + sid + `", "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket", "Resource": "arn:aws:s3:::` + bucket + `"}`

func hashOf(t testing.TB, stmt string) string {
	t.Helper()
	h, err := StatementHash(json.RawMessage(stmt))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestRemove(t *testing.T) {
	ours := runbookDesired().StatementHash()
	cases := []struct {
		name        string
		live        string
		recorded    string // "-" means no record
		wantPolicy  string // semantically; "" when the policy must be empty
		deleteWhole bool
		changed     bool
		kept        map[int]string
		wantErr     error
	}{
		{name: "only kbwarden's statement: delete the whole policy", live: runbookExpected, deleteWhole: true, changed: true},
		{name: "only kbwarden's statement, as an object, as recorded", live: `{"Version": "2012-10-17", "Statement": ` + faultyOwned + `}`,
			recorded: hashOf(t, faultyOwned), deleteWhole: true, changed: true},
		{name: "only kbwarden's statement, reformatted by AWS", deleteWhole: true, changed: true,
			live: `{"Statement":{"Resource":["arn:aws:s3:::` + bucket + `/*","arn:aws:s3:::` + bucket + `"],"Sid":"` + sid + `",` +
				`"Action":["s3:listbucket","s3:DeleteObject","s3:GetObject","s3:PutObject","s3:GetObject"],"Principal":{"Service":["bedrock.amazonaws.com"]},` +
				`"Effect":"Allow","Condition":{"ArnLike":{"aws:sourcearn":"arn:aws:bedrock:us-east-1:275666109134:knowledge-base/*"},"StringEquals":{"aws:SourceAccount":["275666109134"]}}}}`},
		{name: "with someone else's statements and Id", changed: true,
			live:       `{"Version": "2012-10-17", "Id": "SecurityBaseline", "Statement": [` + denyInsecure + `,` + expectedOwned + `, {"Sid": "Other", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]}`,
			wantPolicy: `{"Version": "2012-10-17", "Id": "SecurityBaseline", "Statement": [` + denyInsecure + `, {"Sid": "Other", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]}`,
			kept:       map[int]string{0: denyInsecure}},
		{name: "statement absent: nothing to do", live: policyWith(denyInsecure), wantPolicy: policyWith(denyInsecure)},
		{name: "no policy: nothing to do", live: ""},
		{name: "someone's Deny with kbwarden's Sid is never removed", live: policyWith(denyWithOurSid), wantErr: &StatementNotOwnedError{}},
		{name: "kbwarden's statement changed since it was written", live: policyWith(denyInsecure, faultyOwned), wantErr: &StatementNotOwnedError{}},
		{name: "no record of writing it", live: runbookExpected, recorded: "-", wantErr: &StatementNotOwnedError{}},
		{name: "malformed", live: `{"Statement": 3}`, wantErr: &MalformedPolicyError{}},
		{name: "duplicate Sid", live: policyWith(expectedOwned, faultyOwned), wantErr: &DuplicateStatementError{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			recorded := tc.recorded
			switch recorded {
			case "":
				recorded = ours
			case "-":
				recorded = ""
			}
			policy, deleteWhole, changed, err := Remove(tc.live, sid, recorded)
			if tc.wantErr != nil {
				expectErrorType(g, err, tc.wantErr)
				g.Expect(changed || deleteWhole).To(BeFalse(), "nothing is removed on error")
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(deleteWhole).To(Equal(tc.deleteWhole))
			g.Expect(changed).To(Equal(tc.changed))
			switch {
			case !changed:
				g.Expect(policy).To(Equal(tc.live), "an unchanged policy is returned as it was")
			case deleteWhole:
				g.Expect(policy).To(BeEmpty())
			default:
				g.Expect(equivalentPolicies(t, policy, tc.wantPolicy)).To(BeTrue(), "got %s", policy)
				for i, raw := range tc.kept {
					g.Expect(string(statements(t, policy)[i])).To(Equal(compact(t, raw)))
				}
				_, _, again, err := Remove(policy, sid, recorded)
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(again).To(BeFalse(), "removing twice changes nothing")
			}
		})
	}
}

func TestRemoveRefusesEmptySid(t *testing.T) {
	_, _, _, err := Remove(runbookExpected, "", runbookDesired().StatementHash())
	var invalid *InvalidDesiredError
	if !errors.As(err, &invalid) {
		t.Fatalf("Remove with an empty Sid: got %v, want *InvalidDesiredError", err)
	}
}
