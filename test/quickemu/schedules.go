package quickemu

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

const (
	stateEnabled  = "ENABLED"
	stateDisabled = "DISABLED"
)

type wireFrequency struct {
	Interval     string         `json:"Interval"`
	RefreshOnDay *wireRefreshOn `json:"RefreshOnDay,omitempty"`
}

type wireRefreshOn struct {
	DayOfMonth string `json:"DayOfMonth,omitempty"`
	DayOfWeek  string `json:"DayOfWeek,omitempty"`
}

// scheduleInput is the body of Create and Update.
type scheduleInput struct {
	ScheduleFrequency *wireFrequency `json:"ScheduleFrequency"`
	ScheduleID        *string        `json:"ScheduleId"`
	StartTime         *epoch         `json:"StartTime"`
	State             string         `json:"State"`
}

// schedule is a knowledge base's refresh schedule and where it stands.
type schedule struct {
	id        string
	frequency wireFrequency
	startTime *time.Time
	state     string
	// anchor is the first due time; due times repeat from it by the
	// interval. lastDue is the latest due time already handled.
	anchor  time.Time
	lastDue time.Time
}

var weekdays = map[string]time.Weekday{
	"SUNDAY": time.Sunday, "MONDAY": time.Monday, "TUESDAY": time.Tuesday, "WEDNESDAY": time.Wednesday,
	"THURSDAY": time.Thursday, "FRIDAY": time.Friday, "SATURDAY": time.Saturday,
}

// validateSchedule applies the API reference's rules: an interval from the
// enum, HOURLY only for accounts enabled for it, a day for WEEKLY and
// MONTHLY, a valid ID and state. create says the frequency is required.
func (s *Server) validateSchedule(in scheduleInput, create bool) *apiError {
	if in.ScheduleID != nil && (!schedulePattern.MatchString(*in.ScheduleID) || len(*in.ScheduleID) > maxIDLength) {
		return errInvalid("ScheduleId %q must match [0-9a-zA-Z_=-][0-9a-zA-Z_=.-]*, at most 1024 characters", *in.ScheduleID)
	}
	if in.State != "" && in.State != stateEnabled && in.State != stateDisabled {
		return errInvalid("State %q must be ENABLED or DISABLED", in.State)
	}
	f := in.ScheduleFrequency
	if f == nil {
		if create {
			return errInvalid("ScheduleFrequency is required")
		}
		return nil
	}
	switch f.Interval {
	case "DAILY":
	case "HOURLY":
		if !s.cfg.HourlyRefresh {
			return errInvalid("HOURLY refresh is not enabled for this account")
		}
	case "WEEKLY":
		if f.RefreshOnDay == nil || !validWeekday(f.RefreshOnDay.DayOfWeek) {
			return errInvalid("A WEEKLY schedule needs RefreshOnDay.DayOfWeek, SUNDAY to SATURDAY")
		}
	case "MONTHLY":
		if f.RefreshOnDay == nil {
			return errInvalid("A MONTHLY schedule needs RefreshOnDay.DayOfMonth")
		}
		if d, err := strconv.Atoi(f.RefreshOnDay.DayOfMonth); err != nil || d < 1 || d > 31 {
			return errInvalid("RefreshOnDay.DayOfMonth %q must be 1 to 31", f.RefreshOnDay.DayOfMonth)
		}
	default:
		return errInvalid("Interval %q must be DAILY, WEEKLY, MONTHLY or HOURLY", f.Interval)
	}
	return nil
}

func validWeekday(day string) bool {
	_, ok := weekdays[day]
	return ok
}

func newSchedule(in scheduleInput, now time.Time) *schedule {
	sc := &schedule{state: stateEnabled}
	if in.ScheduleID != nil {
		sc.id = *in.ScheduleID
	} else {
		var b [16]byte
		_, _ = rand.Read(b[:])
		sc.id = hex.EncodeToString(b[:])
	}
	sc.apply(in, now)
	return sc
}

// apply changes the members present in in and re-anchors the due times at
// now (or StartTime): the emulator stands for the service choosing the
// time of day, and picks the time of the change or of StartTime.
func (sc *schedule) apply(in scheduleInput, now time.Time) {
	if in.ScheduleFrequency != nil {
		sc.frequency = *in.ScheduleFrequency
	}
	if in.StartTime != nil {
		t := in.StartTime.time()
		sc.startTime = &t
	}
	if in.State != "" {
		sc.state = in.State
	}
	switch {
	case sc.startTime != nil:
		sc.anchor = sc.align(*sc.startTime)
	case sc.frequency.Interval == "WEEKLY" || sc.frequency.Interval == "MONTHLY":
		sc.anchor = sc.align(now.AddDate(0, 0, 1)) // the first such day after today
	default:
		sc.anchor = sc.add(now)
	}
	sc.lastDue = sc.anchor.Add(-time.Nanosecond)
}

// align moves t to the first time at or after it on the schedule's day.
func (sc *schedule) align(t time.Time) time.Time {
	switch sc.frequency.Interval {
	case "WEEKLY":
		want := weekdays[sc.frequency.RefreshOnDay.DayOfWeek]
		for t.Weekday() != want {
			t = t.AddDate(0, 0, 1)
		}
	case "MONTHLY":
		for t.Day() != dayInMonth(t, sc.dayOfMonth()) {
			t = t.AddDate(0, 0, 1)
		}
	}
	return t
}

func (sc *schedule) dayOfMonth() int {
	d, _ := strconv.Atoi(sc.frequency.RefreshOnDay.DayOfMonth)
	return d
}

// dayInMonth clamps day to the length of t's month, so a schedule on the
// 31st runs on the last day of shorter months.
func dayInMonth(t time.Time, day int) int {
	last := time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, t.Location()).Day()
	return min(day, last)
}

// add returns the due time after t.
func (sc *schedule) add(t time.Time) time.Time {
	switch sc.frequency.Interval {
	case "HOURLY":
		return t.Add(time.Hour)
	case "WEEKLY":
		return t.AddDate(0, 0, 7)
	case "MONTHLY":
		first := time.Date(t.Year(), t.Month()+1, 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
		return first.AddDate(0, 0, dayInMonth(first, sc.dayOfMonth())-1)
	}
	return t.Add(24 * time.Hour)
}

// due returns the latest due time in (lastDue, now], if any, and marks
// every due time up to now handled: a refresh missed while the clock
// jumped runs once, not once per missed slot.
func (sc *schedule) due(now time.Time) (time.Time, bool) {
	if sc.state != stateEnabled {
		return time.Time{}, false
	}
	var latest time.Time
	found := false
	for t := sc.nextAfter(sc.lastDue); !t.After(now); t = sc.add(t) {
		latest, found = t, true
	}
	if found {
		sc.lastDue = latest
	}
	return latest, found
}

// next is the next due time after the last one handled.
func (sc *schedule) next() time.Time { return sc.nextAfter(sc.lastDue) }

func (sc *schedule) nextAfter(t time.Time) time.Time {
	d := sc.anchor
	for !d.After(t) {
		d = sc.add(d)
	}
	return d
}

func (sc *schedule) summary() map[string]any {
	freq := map[string]any{"Interval": sc.frequency.Interval}
	if on := sc.frequency.RefreshOnDay; on != nil {
		day := map[string]any{}
		if on.DayOfMonth != "" {
			day["DayOfMonth"] = on.DayOfMonth
		}
		if on.DayOfWeek != "" {
			day["DayOfWeek"] = on.DayOfWeek
		}
		freq["RefreshOnDay"] = day
	}
	out := map[string]any{"ScheduleId": sc.id, "ScheduleFrequency": freq, "State": sc.state}
	if sc.startTime != nil {
		out["StartTime"] = toEpoch(*sc.startTime)
	}
	return out
}

func (s *Server) createSchedule(w http.ResponseWriter, r *http.Request, kb *kbState) *apiError {
	var in scheduleInput
	if e := decodeBody(r, &in); e != nil {
		return e
	}
	if e := s.validateSchedule(in, true); e != nil {
		return e
	}
	if kb.schedule != nil {
		return errLimit("KNOWLEDGE_BASE_REFRESH_SCHEDULE", "Knowledge base %s already has refresh schedule %s", kb.key.id, kb.schedule.id)
	}
	kb.schedule = newSchedule(in, s.clock.Now())
	s.logf("schedule %s of %s: %s from %s", kb.schedule.id, kb.key.id, kb.schedule.frequency.Interval, kb.schedule.anchor.Format(time.RFC3339))
	writeJSON(w, map[string]any{"KnowledgeBaseArn": s.kbArn(kb.key), "ScheduleId": kb.schedule.id})
	return nil
}

// scheduleOf returns the knowledge base's schedule if its ID is id.
func scheduleOf(kb *kbState, id string) (*schedule, *apiError) {
	if kb.schedule == nil || kb.schedule.id != id {
		return nil, errNotFound("KNOWLEDGE_BASE_REFRESH_SCHEDULE", "Refresh schedule %s not found for knowledge base %s", id, kb.key.id)
	}
	return kb.schedule, nil
}

func (s *Server) updateSchedule(w http.ResponseWriter, r *http.Request, kb *kbState) *apiError {
	sc, e := scheduleOf(kb, r.PathValue("schedule"))
	if e != nil {
		return e
	}
	var in scheduleInput
	if e := decodeBody(r, &in); e != nil {
		return e
	}
	in.ScheduleID = nil // the path names the schedule
	if e := s.validateSchedule(in, false); e != nil {
		return e
	}
	if f := in.ScheduleFrequency; f == nil && sc.frequency.Interval != "" {
		// The frequency is kept; its day still has to suit it.
		in2 := in
		in2.ScheduleFrequency = &sc.frequency
		if e := s.validateSchedule(in2, false); e != nil {
			return e
		}
	}
	sc.apply(in, s.clock.Now())
	writeJSON(w, map[string]any{"KnowledgeBaseArn": s.kbArn(kb.key), "ScheduleId": sc.id})
	return nil
}

func (s *Server) describeSchedule(w http.ResponseWriter, r *http.Request, kb *kbState) *apiError {
	sc, e := scheduleOf(kb, r.PathValue("schedule"))
	if e != nil {
		return e
	}
	writeJSON(w, map[string]any{"KnowledgeBaseArn": s.kbArn(kb.key), "Schedule": sc.summary()})
	return nil
}

func (s *Server) deleteSchedule(w http.ResponseWriter, r *http.Request, kb *kbState) *apiError {
	sc, e := scheduleOf(kb, r.PathValue("schedule"))
	if e != nil {
		return e
	}
	kb.schedule = nil
	writeJSON(w, map[string]any{"KnowledgeBaseArn": s.kbArn(kb.key), "ScheduleId": sc.id})
	return nil
}

// listSchedules serves ListKnowledgeBaseRefreshSchedules. With at most one
// schedule there is one page, but max-results and next-token are still
// validated as the API reference states (1 to 100; a token it issued).
func (s *Server) listSchedules(w http.ResponseWriter, r *http.Request, kb *kbState) *apiError {
	q := r.URL.Query()
	if v := q.Get("max-results"); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 1 || n > 100 {
			return errInvalid("MaxResults %q must be 1 to 100", v)
		}
	}
	if q.Has("next-token") {
		return &apiError{status: http.StatusBadRequest, code: "InvalidNextTokenException", message: fmt.Sprintf("NextToken %q was not issued by this operation", q.Get("next-token"))}
	}
	summaries := []any{}
	if kb.schedule != nil {
		summaries = append(summaries, kb.schedule.summary())
	}
	writeJSON(w, map[string]any{"KnowledgeBaseArn": s.kbArn(kb.key), "ScheduleSummaries": summaries})
	return nil
}
