package quickemu

import (
	"fmt"
	"net/http"
	"time"
)

type kbState struct {
	key      kbKey
	seed     KnowledgeBase
	created  time.Time
	schedule *schedule
	// ingestions are in start order; the last is the latest.
	ingestions []*ingestion
	seq        int
}

// AddKnowledgeBase seeds a knowledge base, as creating one in the console
// would. It may be called while the server serves.
func (s *Server) AddKnowledgeBase(kb KnowledgeBase) error {
	kb, err := kb.validate()
	if err != nil {
		return err
	}
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	key := kbKey{kb.AccountID, kb.ID}
	if _, ok := s.kbs[key]; ok {
		return fmt.Errorf("quickemu: knowledge base %s already exists in account %s", kb.ID, kb.AccountID)
	}
	st := &kbState{key: key, seed: kb, created: now}
	if sc := kb.Schedule; sc != nil {
		state := stateEnabled
		if sc.Disabled {
			state = stateDisabled
		}
		in := scheduleInput{ScheduleFrequency: &wireFrequency{Interval: sc.Interval}, State: state}
		if sc.DayOfWeek != "" || sc.DayOfMonth != "" {
			in.ScheduleFrequency.RefreshOnDay = &wireRefreshOn{DayOfWeek: sc.DayOfWeek, DayOfMonth: sc.DayOfMonth}
		}
		if !sc.StartTime.IsZero() {
			e := toEpoch(sc.StartTime)
			in.StartTime = &e
		}
		id := sc.ID
		if id == "" {
			id = "default"
		}
		in.ScheduleID = &id
		if e := s.validateSchedule(in, true); e != nil {
			return fmt.Errorf("quickemu: knowledge base %s: seeded schedule: %w", kb.ID, e)
		}
		st.schedule = newSchedule(in, now)
	}
	s.kbs[key] = st
	return nil
}

// describeKnowledgeBase serves DescribeKnowledgeBase. The ingestion
// summaries are the only view of ingestions the API gives.
func (s *Server) describeKnowledgeBase(w http.ResponseWriter, _ *http.Request, kb *kbState) *apiError {
	now := s.clock.Now()
	out := map[string]any{
		"KnowledgeBaseArn": s.kbArn(kb.key),
		"KnowledgeBaseId":  kb.key.id,
		"Name":             kb.seed.Name,
		"Status":           "ACTIVE",
		"DataSourceArn":    fmt.Sprintf("arn:aws:quicksight:%s:%s:datasource/%s-s3", s.cfg.Region, kb.key.account, kb.key.id),
		"Type":             "S3_KNOWLEDGE_BASE",
		"CreatedAt":        toEpoch(kb.created),
		"UpdatedAt":        toEpoch(kb.created),
		"AccessControlConfiguration": map[string]any{
			"isACLEnabled": kb.seed.AccessControl != ACLNone,
		},
	}
	var firstCompleted, firstIncomplete, published *ingestion
	for _, in := range kb.ingestions {
		switch in.status(now) {
		case statusCompleted:
			published = in
			if firstCompleted == nil {
				firstCompleted = in
			}
		case statusIncomplete:
			published = in
			if firstIncomplete == nil {
				firstIncomplete = in
			}
		}
	}
	if n := len(kb.ingestions); n > 0 {
		out["LatestIngestionSummary"] = kb.ingestions[n-1].summary(now)
	}
	if firstCompleted != nil {
		out["FirstCompletedIngestionSummary"] = firstCompleted.summary(now)
	}
	if firstIncomplete != nil {
		out["FirstIncompleteIngestionSummary"] = firstIncomplete.summary(now)
	}
	if published != nil {
		out["DocumentCount"] = len(published.result.docs)
		out["KnowledgeBaseSizeBytes"] = published.result.bytes
	} else {
		out["DocumentCount"] = 0
		out["KnowledgeBaseSizeBytes"] = 0
	}
	writeJSON(w, map[string]any{"KnowledgeBase": out})
	return nil
}
