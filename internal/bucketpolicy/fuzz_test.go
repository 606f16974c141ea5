package bucketpolicy

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzReconcile feeds arbitrary live policies to Reconcile. It must never
// panic, fail only with the typed errors the caller knows how to report,
// and whatever it writes must be compact, within S3's limit, keep every
// statement it does not own, and be in sync on the next pass.
func FuzzReconcile(f *testing.F) {
	for _, tc := range reconcileCases() {
		f.Add(tc.live, tc.desired != nil)
	}
	f.Fuzz(func(t *testing.T, live string, role bool) {
		d := runbookDesired()
		if role {
			d = roleDesired()
		}
		res, err := Reconcile(live, d)
		if err != nil {
			if !isPolicyError(err) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if res.InSync {
			if res.Policy != live || len(res.Drift) != 0 {
				t.Fatalf("in sync but policy rewritten or drift reported: %q", res.Drift)
			}
			return
		}
		if len(res.Drift) == 0 {
			t.Fatal("out of sync without a drift message")
		}
		if len(res.Policy) > MaxPolicySize || res.Policy != compact(t, res.Policy) {
			t.Fatalf("written policy not compact or too large: %d bytes", len(res.Policy))
		}
		var written struct{ Statement []json.RawMessage }
		if err := json.Unmarshal([]byte(res.Policy), &written); err != nil {
			t.Fatalf("written policy does not parse: %v", err)
		}
		if want := foreignStatements(t, live, d.StatementID) + 1; len(written.Statement) != want {
			t.Fatalf("written policy has %d statements, want %d", len(written.Statement), want)
		}
		again, err := Reconcile(res.Policy, d)
		if err != nil || !again.InSync {
			t.Fatalf("written policy not in sync: %v %q\n%s", err, again.Drift, res.Policy)
		}
	})
}

// FuzzRemove checks that Remove never panics, fails only with typed errors,
// and that what it writes parses and no longer holds the statement.
func FuzzRemove(f *testing.F) {
	for _, tc := range reconcileCases() {
		f.Add(tc.live)
	}
	f.Fuzz(func(t *testing.T, live string) {
		policy, deleteWhole, changed, err := Remove(live, sid, runbookDesired().StatementHash())
		switch {
		case err != nil:
			if !isPolicyError(err) {
				t.Fatalf("untyped error %v", err)
			}
		case !changed:
			if policy != live || deleteWhole {
				t.Fatal("unchanged, but policy rewritten or deletion asked")
			}
		case deleteWhole:
			if policy != "" {
				t.Fatal("deletion asked, but a policy returned")
			}
		default:
			if _, _, again, err := Remove(policy, sid, runbookDesired().StatementHash()); err != nil || again {
				t.Fatalf("written policy still holds the statement or does not parse: %v", err)
			}
		}
	})
}

// foreignStatements counts live's statements that are not sid's.
func foreignStatements(t *testing.T, live, sid string) int {
	t.Helper()
	doc, err := parseDocument(live)
	if err != nil {
		return 0 // "" or whitespace: no policy at all
	}
	n := 0
	for _, raw := range doc.statements {
		var members map[string]json.RawMessage
		var got string
		_ = json.Unmarshal(raw, &members) // parseDocument checked it is an object
		if v, ok := members["Sid"]; !ok || json.Unmarshal(v, &got) != nil || got != sid {
			n++
		}
	}
	return n
}

// isPolicyError reports whether err is one of the errors the caller maps
// to a condition reason.
func isPolicyError(err error) bool {
	var (
		m *MalformedPolicyError
		d *DuplicateStatementError
		l *PolicyTooLargeError
		n *StatementNotOwnedError
	)
	return errors.As(err, &m) || errors.As(err, &d) || errors.As(err, &l) || errors.As(err, &n)
}
