package quickemu

import (
	"fmt"
	"sort"
	"time"
)

// Ingestion statuses, the model's KbIngestionStatus values the emulator
// produces.
const (
	statusQueued     = "QUEUED"
	statusRunning    = "RUNNING"
	statusCompleted  = "COMPLETED"
	statusIncomplete = "INCOMPLETE"
	statusFailed     = "FAILED"
)

// ingestion is one refresh of a knowledge base. Its outcome is computed
// when it starts, from the bucket as it is then; the clock only decides
// when it becomes visible: QUEUED for QueuedFor, RUNNING for RunningFor,
// then COMPLETED (INCOMPLETE when some documents failed, FAILED when the
// bucket or the ACL file could not be read).
type ingestion struct {
	id         string
	trigger    string // "schedule" or "manual"
	start      time.Time
	queuedFor  time.Duration
	runningFor time.Duration
	result     ingestResult
}

func (in *ingestion) end() time.Time { return in.start.Add(in.queuedFor + in.runningFor) }

func (in *ingestion) status(now time.Time) string {
	switch {
	case now.Before(in.start.Add(in.queuedFor)):
		return statusQueued
	case now.Before(in.end()):
		return statusRunning
	}
	return in.result.outcome
}

func (in *ingestion) summary(now time.Time) map[string]any {
	status := in.status(now)
	out := map[string]any{"IngestionId": in.id, "IngestionStatus": status, "StartTime": toEpoch(in.start)}
	if status != statusQueued && status != statusRunning {
		out["EndTime"] = toEpoch(in.end())
	}
	return out
}

// active reports whether an ingestion of kb is QUEUED or RUNNING at t.
func (kb *kbState) active(t time.Time) *ingestion {
	if n := len(kb.ingestions); n > 0 {
		last := kb.ingestions[n-1]
		if s := last.status(t); s == statusQueued || s == statusRunning {
			return last
		}
	}
	return nil
}

// start begins an ingestion of kb at t, reading the bucket now. The caller
// holds s.mu and has checked that none is active.
func (s *Server) start(kb *kbState, t time.Time, trigger string) *ingestion {
	kb.seq++
	in := &ingestion{
		id:      fmt.Sprintf("%s-%d", t.UTC().Format("20060102T150405Z"), kb.seq),
		trigger: trigger, start: t, queuedFor: s.cfg.QueuedFor, runningFor: s.cfg.RunningFor,
		result: s.ingest(s.ctx, kb.seed),
	}
	kb.ingestions = append(kb.ingestions, in)
	s.logf("ingestion %s of %s/%s (%s): %s, %d documents ingested, %d not ingested (no ACL entry), %d failed",
		in.id, kb.key.account, kb.key.id, trigger, in.result.outcome, len(in.result.docs), len(in.result.notIngested), len(in.result.failed))
	return in
}

// advance fires every schedule due by now. It runs before each request and
// query, which is what makes the emulator need no goroutine: the state is
// always the one the clock implies. The caller holds s.mu.
func (s *Server) advance(now time.Time) {
	keys := make([]kbKey, 0, len(s.kbs))
	for k := range s.kbs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].account+"/"+keys[i].id < keys[j].account+"/"+keys[j].id })
	for _, k := range keys {
		kb := s.kbs[k]
		if kb.schedule == nil {
			continue
		}
		due, ok := kb.schedule.due(now)
		if !ok {
			continue
		}
		if busy := kb.active(due); busy != nil {
			s.logf("scheduled refresh of %s at %s skipped: ingestion %s is still %s", k.id, due.Format(time.RFC3339), busy.id, busy.status(due))
			continue
		}
		s.start(kb, due, "schedule")
	}
}

// StartIngestion starts an ingestion now, as a manual refresh in the Quick
// console does. The public API has no such operation (see doc.go), so
// this is a test hook, not an endpoint; the admin endpoint of the
// standalone command calls it. It fails with ConflictException while an
// ingestion is QUEUED or RUNNING (one per knowledge base), with
// ThrottlingException beyond the account's start quota, and with
// ResourceNotFoundException for an unknown knowledge base; the errors are
// smithy.APIError values, so internal/awserr classifies them.
func (s *Server) StartIngestion(accountID, kbID string) (string, error) {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(now)
	kb, ok := s.kbs[kbKey{accountID, kbID}]
	if !ok {
		return "", errNotFound("KNOWLEDGE_BASE", "Knowledge base %s not found in account %s", kbID, accountID)
	}
	if busy := kb.active(now); busy != nil {
		return "", errConflict("Ingestion %s of knowledge base %s is %s", busy.id, kbID, busy.status(now))
	}
	if !s.bucket(s.starts, accountID, s.cfg.StartInterval, s.cfg.StartBurst, now).take(now) {
		return "", errThrottled("ingestion start quota of account " + accountID)
	}
	return s.start(kb, now, "manual").id, nil
}

// Ingestion is what a test can see of one ingestion.
type Ingestion struct {
	ID string
	// Trigger is "schedule" or "manual".
	Trigger string
	// Status is the KbIngestionStatus at the time of the query.
	Status    string
	StartTime time.Time
	// EndTime is zero while QUEUED or RUNNING.
	EndTime time.Time
	// Ingested, NotIngested and Failed are document keys: indexed; left
	// out because no ACL entry names anyone (deny by default); and left out
	// because their ACL could not be read.
	Ingested, NotIngested, Failed []string
	// Reasons explain failed documents or a FAILED ingestion.
	Reasons []string
}

// Ingestions returns the ingestions of a knowledge base, oldest first, as
// of now (due schedules fire first).
func (s *Server) Ingestions(accountID, kbID string) []Ingestion {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(now)
	kb, ok := s.kbs[kbKey{accountID, kbID}]
	if !ok {
		return nil
	}
	out := make([]Ingestion, 0, len(kb.ingestions))
	for _, in := range kb.ingestions {
		v := Ingestion{ID: in.id, Trigger: in.trigger, Status: in.status(now), StartTime: in.start,
			Ingested: in.result.keys(), NotIngested: append([]string{}, in.result.notIngested...),
			Failed: append([]string{}, in.result.failed...), Reasons: append([]string{}, in.result.reasons...)}
		if v.Status != statusQueued && v.Status != statusRunning {
			v.EndTime = in.end()
		}
		out = append(out, v)
	}
	return out
}

// NextScheduledRefresh is when the knowledge base's schedule next starts an
// ingestion; false when it has no enabled schedule.
func (s *Server) NextScheduledRefresh(accountID, kbID string) (time.Time, bool) {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(now)
	kb, ok := s.kbs[kbKey{accountID, kbID}]
	if !ok || kb.schedule == nil || kb.schedule.state != stateEnabled {
		return time.Time{}, false
	}
	return kb.schedule.next(), true
}
