package bucketpolicy

import (
	"errors"
	"testing"

	. "github.com/onsi/gomega"
)

func TestRemove(t *testing.T) {
	cases := []struct {
		name        string
		live        string
		wantPolicy  string // semantically; "" when the policy must be empty
		deleteWhole bool
		changed     bool
		kept        map[int]string
		wantErr     error
	}{
		{name: "only kbwarden's statement: delete the whole policy", live: runbookExpected, deleteWhole: true, changed: true},
		{name: "only kbwarden's statement, as an object", live: `{"Version": "2012-10-17", "Statement": ` + faultyOwned + `}`,
			deleteWhole: true, changed: true},
		{name: "with someone else's statements and Id", changed: true,
			live:       `{"Version": "2012-10-17", "Id": "SecurityBaseline", "Statement": [` + denyInsecure + `,` + expectedOwned + `, {"Sid": "Other", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]}`,
			wantPolicy: `{"Version": "2012-10-17", "Id": "SecurityBaseline", "Statement": [` + denyInsecure + `, {"Sid": "Other", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]}`,
			kept:       map[int]string{0: denyInsecure}},
		{name: "statement absent: nothing to do", live: policyWith(denyInsecure), wantPolicy: policyWith(denyInsecure)},
		{name: "no policy: nothing to do", live: ""},
		{name: "malformed", live: `{"Statement": 3}`, wantErr: &MalformedPolicyError{}},
		{name: "duplicate Sid", live: policyWith(expectedOwned, faultyOwned), wantErr: &DuplicateStatementError{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			policy, deleteWhole, changed, err := Remove(tc.live, sid)
			if tc.wantErr != nil {
				expectErrorType(g, err, tc.wantErr)
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
				_, _, again, err := Remove(policy, sid)
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(again).To(BeFalse(), "removing twice changes nothing")
			}
		})
	}
}

func TestRemoveRefusesEmptySid(t *testing.T) {
	_, _, _, err := Remove(runbookExpected, "")
	var invalid *InvalidDesiredError
	if !errors.As(err, &invalid) {
		t.Fatalf("Remove with an empty Sid: got %v, want *InvalidDesiredError", err)
	}
}
