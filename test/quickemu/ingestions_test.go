package quickemu

import (
	"testing"
	"time"

	"github.com/kbwarden/kbwarden/internal/awserr"
)

// TestIngestionLifecycle: QUEUED, RUNNING, COMPLETED on the fake clock;
// one ingestion per knowledge base; the start quota.
func TestIngestionLifecycle(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.StartInterval, c.StartBurst = 10*time.Minute, 1 })
	e.put("a.txt", "a")
	e.addKB("kb", ACLNone)
	e.addKB("kb2", ACLNone)

	id, err := e.srv.StartIngestion(acct, "kb")
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		after time.Duration
		want  string
	}{{0, statusQueued}, {queuedFor - time.Second, statusQueued}, {time.Second, statusRunning}, {runningFor - time.Second, statusRunning}, {time.Second, statusCompleted}}
	for _, s := range steps {
		e.clock.Step(s.after)
		list := e.srv.Ingestions(acct, "kb")
		if len(list) != 1 || list[0].ID != id || list[0].Status != s.want {
			t.Fatalf("at +%s: got %+v, want one %s ingestion %s", e.clock.Since(epoch0), list, s.want, id)
		}
		if got := e.srv.Retrievable(acct, "kb", "x@example.com", nil); (s.want == statusCompleted) != (len(got) == 1) {
			t.Fatalf("at +%s (%s): retrievable %q", e.clock.Since(epoch0), s.want, got)
		}
	}
	if end := e.srv.Ingestions(acct, "kb")[0].EndTime; !end.Equal(epoch0.Add(ingestTime)) {
		t.Errorf("EndTime %s, want %s", end, epoch0.Add(ingestTime))
	}

	cases := map[string]struct {
		kb   string
		step time.Duration
		want awserr.Kind
		code string
	}{
		"quota: the next start within the interval":    {kb: "kb", want: awserr.Throttled, code: "ThrottlingException"},
		"quota is per account, not per knowledge base": {kb: "kb2", want: awserr.Throttled, code: "ThrottlingException"},
		"unknown knowledge base":                       {kb: "nope", want: awserr.NotFound, code: "ResourceNotFoundException"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := e.srv.StartIngestion(acct, tc.kb)
			if awserr.Classify(err) != tc.want || awserr.Code(err) != tc.code {
				t.Fatalf("got %v (%s), want %s %s", err, awserr.Classify(err), tc.code, tc.want)
			}
		})
	}

	e.clock.Step(10 * time.Minute)
	if _, err := e.srv.StartIngestion(acct, "kb"); err != nil {
		t.Fatalf("after the interval: %v", err)
	}
	e.clock.Step(10 * time.Minute)
	if _, err := e.srv.StartIngestion(acct, "kb2"); err != nil {
		t.Fatal(err)
	}
	_, err = e.srv.StartIngestion(acct, "kb2")
	if !awserr.Is(err, awserr.Conflict) {
		// The quota refilled only partly, but the conflict is checked first.
		t.Fatalf("a second start while one is QUEUED: got %v, want ConflictException", err)
	}
}

// TestSchedules: a schedule starts ingestions at its due times on the
// clock, skips one while an ingestion runs, runs a missed refresh once,
// and a DISABLED schedule runs none.
func TestSchedules(t *testing.T) {
	e := newEnv(t)
	e.put("a.txt", "a")
	e.addKB("daily", ACLNone, func(kb *KnowledgeBase) { kb.Schedule = &Schedule{Interval: "DAILY"} })
	e.addKB("off", ACLNone, func(kb *KnowledgeBase) { kb.Schedule = &Schedule{Interval: "DAILY", Disabled: true} })
	start := epoch0.Add(2 * time.Hour)
	e.addKB("weekly", ACLNone, func(kb *KnowledgeBase) {
		kb.Schedule = &Schedule{Interval: "WEEKLY", DayOfWeek: "FRIDAY", StartTime: start} // 2025-10-20 is a Monday
	})

	if next, ok := e.srv.NextScheduledRefresh(acct, "daily"); !ok || !next.Equal(epoch0.Add(24*time.Hour)) {
		t.Fatalf("next daily refresh %s %v, want a day after creation", next, ok)
	}
	if next, _ := e.srv.NextScheduledRefresh(acct, "weekly"); !next.Equal(start.AddDate(0, 0, 4)) {
		t.Fatalf("next weekly refresh %s, want Friday %s", next, start.AddDate(0, 0, 4))
	}
	if _, ok := e.srv.NextScheduledRefresh(acct, "off"); ok {
		t.Fatal("a DISABLED schedule has no next refresh")
	}

	e.clock.Step(24*time.Hour - time.Second)
	if n := len(e.srv.Ingestions(acct, "daily")); n != 0 {
		t.Fatalf("%d ingestions before the first due time", n)
	}
	// A manual refresh just before the due time: the scheduled one is skipped.
	if _, err := e.srv.StartIngestion(acct, "daily"); err != nil {
		t.Fatal(err)
	}
	e.clock.Step(time.Second)
	if list := e.srv.Ingestions(acct, "daily"); len(list) != 1 || list[0].Trigger != "manual" {
		t.Fatalf("due while one is QUEUED: got %+v, want only the manual one", list)
	}
	e.clock.Step(24 * time.Hour)
	list := e.srv.Ingestions(acct, "daily")
	if len(list) != 2 || list[1].Trigger != "schedule" || !list[1].StartTime.Equal(epoch0.Add(48*time.Hour)) {
		t.Fatalf("second day: got %+v", list)
	}
	e.clock.Step(10 * 24 * time.Hour) // ten missed days run once
	if n := len(e.srv.Ingestions(acct, "daily")); n != 3 {
		t.Fatalf("after ten missed days: %d ingestions, want 3", n)
	}
	if n := len(e.srv.Ingestions(acct, "off")); n != 0 {
		t.Fatalf("a DISABLED schedule ran %d ingestions", n)
	}
	if list := e.srv.Ingestions(acct, "weekly"); len(list) != 1 || list[0].StartTime.Weekday() != time.Friday {
		t.Fatalf("weekly: %+v", list)
	}
}

func TestScheduleDueTimes(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := map[string]struct {
		freq wireFrequency
		now  string
		want []string
	}{
		"HOURLY from creation": {wireFrequency{Interval: "HOURLY"}, "2025-01-31T10:30:00Z",
			[]string{"2025-01-31T11:30:00Z", "2025-01-31T12:30:00Z"}},
		"MONTHLY on the 31st clamps to short months": {wireFrequency{Interval: "MONTHLY", RefreshOnDay: &wireRefreshOn{DayOfMonth: "31"}}, "2025-01-01T08:00:00Z",
			[]string{"2025-01-31T08:00:00Z", "2025-02-28T08:00:00Z", "2025-03-31T08:00:00Z", "2025-04-30T08:00:00Z"}},
		"WEEKLY on Sunday": {wireFrequency{Interval: "WEEKLY", RefreshOnDay: &wireRefreshOn{DayOfWeek: "SUNDAY"}}, "2025-10-20T09:00:00Z",
			[]string{"2025-10-26T09:00:00Z", "2025-11-02T09:00:00Z"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := tc.freq
			sc := newSchedule(scheduleInput{ScheduleFrequency: &f}, at(tc.now))
			for _, w := range tc.want {
				got, ok := sc.due(at(w))
				if !ok || !got.Equal(at(w)) {
					t.Fatalf("due(%s) = %s %v", w, got, ok)
				}
			}
		})
	}
}
