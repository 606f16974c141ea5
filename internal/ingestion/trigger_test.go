package ingestion

import (
	"testing"
	"time"
)

func TestDecide(t *testing.T) {
	t0 := time.Date(2025, 10, 20, 12, 0, 0, 0, time.UTC)
	base := func(mod func(*Inputs)) Inputs {
		last := &JobRef{ID: "J1", ACLHash: "a1", Fingerprint: "f1", StartedAt: t0.Add(-time.Hour)}
		in := Inputs{Now: t0, OnChange: true, Debounce: time.Minute, Interval: 24 * time.Hour,
			ACLHash: "a1", Fingerprint: "f1", DocumentsChangedAt: t0.Add(-2 * time.Hour),
			Last: last, LastSuccessEnd: t0.Add(-50 * time.Minute)}
		if mod != nil {
			mod(&in)
		}
		return in
	}
	tests := map[string]struct {
		in      Inputs
		trigger Trigger
		cause   string
		wait    time.Duration
	}{
		"unchanged: nothing until the interval": {in: base(nil)},
		"no job known: interval due now":        {in: base(func(in *Inputs) { in.Last, in.LastSuccessEnd = nil, time.Time{} }), trigger: TriggerInterval},
		"interval passed": {in: base(func(in *Inputs) {
			in.LastSuccessEnd = t0.Add(-25 * time.Hour)
			in.Last.StartedAt = t0.Add(-26 * time.Hour)
		}), trigger: TriggerInterval},
		"a failed attempt postpones the interval": {in: base(func(in *Inputs) { in.LastSuccessEnd = t0.Add(-48 * time.Hour) })},
		"acl changed: now, no debounce":           {in: base(func(in *Inputs) { in.ACLHash = "a2" }), trigger: TriggerChanged},
		"acl changed but onChange off":            {in: base(func(in *Inputs) { in.ACLHash, in.OnChange = "a2", false })},
		"acl unknown (mode None): no change":      {in: base(func(in *Inputs) { in.ACLHash = "" })},
		"documents changed, still busy":           {in: base(func(in *Inputs) { in.Fingerprint, in.DocumentsChangedAt = "f2", t0.Add(-20*time.Second) }), wait: 40 * time.Second},
		"documents changed and quiet":             {in: base(func(in *Inputs) { in.Fingerprint, in.DocumentsChangedAt = "f2", t0.Add(-time.Minute) }), trigger: TriggerChanged},
		"documents unknown: no change":            {in: base(func(in *Inputs) { in.Fingerprint = "" })},
		"new documents' sidecars wait with the documents": {in: base(func(in *Inputs) {
			in.Last.RulesHash, in.RulesHash = "r1", "r1"
			in.ACLHash, in.Fingerprint, in.DocumentsChangedAt = "a2", "f2", t0.Add(-20*time.Second)
		}), wait: 40 * time.Second},
		"a rule change with new documents: now": {in: base(func(in *Inputs) {
			in.Last.RulesHash, in.RulesHash = "r1", "r2"
			in.ACLHash, in.Fingerprint, in.DocumentsChangedAt = "a2", "f2", t0.Add(-20*time.Second)
		}), trigger: TriggerChanged},
		"a repaired file, documents unchanged: now": {in: base(func(in *Inputs) {
			in.Last.RulesHash, in.RulesHash, in.ACLHash = "r1", "r1", "a2"
		}), trigger: TriggerChanged},
		"rules of the last job unknown: now": {in: base(func(in *Inputs) {
			in.RulesHash, in.ACLHash, in.Fingerprint, in.DocumentsChangedAt = "r1", "a2", "f2", t0.Add(-20*time.Second)
		}), trigger: TriggerChanged},
		"manual first":          {in: base(func(in *Inputs) { in.ManualToken, in.ACLHash = "tok", "a2" }), trigger: TriggerManual, cause: "tok"},
		"repair before changes": {in: base(func(in *Inputs) { in.RepairReady, in.ACLHash = true, "a2" }), trigger: TriggerRepair, cause: "J1"},
		"external job of unknown content is a change": {in: base(func(in *Inputs) { in.Last = &JobRef{ID: "X", StartedAt: t0.Add(-time.Hour)} }), trigger: TriggerChanged},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			d := Decide(tc.in)
			if d.Trigger != tc.trigger || d.Cause != tc.cause || d.Wait != tc.wait {
				t.Fatalf("Decide = trigger %q cause %q wait %s (%s), want %q %q %s", d.Trigger, d.Cause, d.Wait, d.Why, tc.trigger, tc.cause, tc.wait)
			}
		})
	}
}

func TestNextScheduledAt(t *testing.T) {
	t0 := time.Date(2025, 10, 20, 12, 0, 0, 0, time.UTC)
	d := Decide(Inputs{Now: t0, Interval: time.Hour, Last: &JobRef{ID: "J", StartedAt: t0.Add(-30 * time.Minute)}, LastSuccessEnd: t0.Add(-20 * time.Minute)})
	if want := t0.Add(40 * time.Minute); !d.NextScheduledAt.Equal(want) {
		t.Fatalf("NextScheduledAt = %s, want %s", d.NextScheduledAt, want)
	}
}

func TestPollDelay(t *testing.T) {
	for _, tc := range []struct{ age, want time.Duration }{
		{0, 5 * time.Second}, {10 * time.Second, 5 * time.Second}, {40 * time.Second, 20 * time.Second}, {2 * time.Hour, 5 * time.Minute},
	} {
		if got := PollDelay(tc.age, 5*time.Second, 5*time.Minute); got != tc.want {
			t.Errorf("PollDelay(%s) = %s, want %s", tc.age, got, tc.want)
		}
	}
}
