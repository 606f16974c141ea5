package bedrockemu

import (
	"context"
	"time"
)

// Ingestion job statuses, as the API spells them.
const (
	StatusStarting   = "STARTING"
	StatusInProgress = "IN_PROGRESS"
	StatusComplete   = "COMPLETE"
	StatusFailed     = "FAILED"
	StatusStopping   = "STOPPING"
	StatusStopped    = "STOPPED"
)

// Statistics are an ingestion job's counters, with the API's JSON names
// and meanings: documents (not sidecars) scanned under the inclusion
// prefix, sidecars scanned, documents indexed for the first time or again
// because their ETag changed since the last COMPLETE job, documents
// re-indexed only because their sidecar changed or disappeared, documents
// removed from the index (deleted, or no longer allowed by their ACL), and
// documents that failed (unreadable sidecar, embedding not written).
type Statistics struct {
	NumberOfDocumentsScanned          int64 `json:"numberOfDocumentsScanned"`
	NumberOfMetadataDocumentsScanned  int64 `json:"numberOfMetadataDocumentsScanned"`
	NumberOfNewDocumentsIndexed       int64 `json:"numberOfNewDocumentsIndexed"`
	NumberOfModifiedDocumentsIndexed  int64 `json:"numberOfModifiedDocumentsIndexed"`
	NumberOfMetadataDocumentsModified int64 `json:"numberOfMetadataDocumentsModified"`
	NumberOfDocumentsDeleted          int64 `json:"numberOfDocumentsDeleted"`
	NumberOfDocumentsFailed           int64 `json:"numberOfDocumentsFailed"`
}

// Job is a snapshot of an ingestion job, for tests that inspect the
// emulator directly instead of through the API.
type Job struct {
	// KnowledgeBaseID, DataSourceID and ID identify the job.
	KnowledgeBaseID string
	DataSourceID    string
	ID              string
	// Description is the one given to StartIngestionJob, if any.
	Description string
	// Status is one of the Status constants.
	Status string
	// StartedAt is when the job was started; UpdatedAt when it last
	// changed status.
	StartedAt time.Time
	UpdatedAt time.Time
	// Statistics are zero until the job is over.
	Statistics Statistics
	// FailureReasons say why a job FAILED, or which documents a COMPLETE
	// job could not index.
	FailureReasons []string
}

type job struct {
	id, description string
	kb              *kbState
	ds              *dsState
	seq             int64 // creation order, the tie-breaker when sorting
	startedAt       time.Time
	stopAt          time.Time // zero unless StopIngestionJob was called

	// held keeps the job running whatever the clock says, until Release;
	// releasedAt is when that happened (zero when never held).
	held       bool
	releasedAt time.Time

	done   chan struct{} // closed once the work has returned
	result ingestResult  // written before done closes

	// Set once the clock says the job is over and its work has returned.
	finalized bool
	status    string
	updatedAt time.Time
	stats     Statistics
	reasons   []string
}

// phase is the job's status at now as the clock dictates, when it took
// effect, and whether it is over. An over, not yet finalized job that was
// not stopped reports status "" because its outcome is the work's result.
func (s *Server) phase(j *job, now time.Time) (status string, since time.Time, over bool) {
	if j.finalized {
		return j.status, j.updatedAt, true
	}
	if !j.stopAt.IsZero() {
		end := j.stopAt.Add(s.cfg.StoppingFor)
		if now.Before(end) {
			return StatusStopping, j.stopAt, false
		}
		return StatusStopped, end, true
	}
	running := j.startedAt.Add(s.cfg.StartingFor)
	if now.Before(running) {
		return StatusStarting, j.startedAt, false
	}
	if j.held {
		return StatusInProgress, running, false
	}
	end := running.Add(s.cfg.RunningFor)
	if end.Before(j.releasedAt) {
		end = j.releasedAt
	}
	if now.Before(end) {
		return StatusInProgress, running, false
	}
	return "", end, true
}

func (j *job) workDone() bool {
	select {
	case <-j.done:
		return true
	default:
		return false
	}
}

// finalize records the job's outcome. Callers hold s.mu, and the work has
// returned. Only a COMPLETE job moves the data source's baseline, so the
// next job counts changes against the last successful sync.
func (s *Server) finalize(j *job, now time.Time) {
	status, since, _ := s.phase(j, now)
	if status == "" {
		status, j.stats, j.reasons = j.result.status, j.result.stats, j.result.reasons
		if status == StatusComplete {
			j.ds.index = j.result.index
		}
	}
	j.status, j.updatedAt, j.finalized = status, since, true
	s.logf("job %s (%s/%s) %s %+v %q", j.id, j.kb.seed.ID, j.ds.seed.ID, status, j.stats, j.reasons)
}

// lockSettled locks s.mu and finalizes every job from pick that the clock
// says is over, waiting (unlocked) for the work of those still running.
// On success it returns with s.mu held and the time it settled at; pick is
// called with s.mu held. Looping handles a clock that moves while waiting.
func (s *Server) lockSettled(ctx context.Context, pick func() []*job) (time.Time, error) {
	for {
		s.mu.Lock()
		now := s.clock.Now()
		var pending []*job
		for _, j := range pick() {
			if j.finalized {
				continue
			}
			if _, _, over := s.phase(j, now); !over {
				continue
			}
			if j.workDone() {
				s.finalize(j, now)
			} else {
				pending = append(pending, j)
			}
		}
		if len(pending) == 0 {
			return now, nil
		}
		s.mu.Unlock()
		for _, j := range pending {
			select {
			case <-j.done:
			case <-ctx.Done():
				return time.Time{}, ctx.Err()
			}
		}
	}
}

// snapshot renders the job at now. A job over by the clock but not yet
// finalized only happens in the Start and Stop responses, which report the
// state the request put the job in, as the real service does.
func (s *Server) snapshot(j *job, now time.Time) Job {
	status, since, _ := s.phase(j, now)
	out := Job{KnowledgeBaseID: j.kb.seed.ID, DataSourceID: j.ds.seed.ID, ID: j.id,
		Description: j.description, Status: status, StartedAt: j.startedAt, UpdatedAt: since}
	switch {
	case j.finalized:
		out.Statistics, out.FailureReasons = j.stats, append([]string(nil), j.reasons...)
	case status == "":
		out.Status, out.UpdatedAt = StatusInProgress, j.startedAt.Add(s.cfg.StartingFor)
	case status == StatusStopped:
		out.Status, out.UpdatedAt = StatusStopping, j.stopAt
	}
	return out
}

// jobJSON renders a job as IngestionJob, or IngestionJobSummary (which has
// no failureReasons) when summary is set.
func jobJSON(j Job, summary bool) map[string]any {
	out := map[string]any{
		"knowledgeBaseId": j.KnowledgeBaseID,
		"dataSourceId":    j.DataSourceID,
		"ingestionJobId":  j.ID,
		"status":          j.Status,
		"startedAt":       timestamp(j.StartedAt),
		"updatedAt":       timestamp(j.UpdatedAt),
		"statistics":      j.Statistics,
	}
	if j.Description != "" {
		out["description"] = j.Description
	}
	if !summary && len(j.FailureReasons) > 0 {
		out["failureReasons"] = j.FailureReasons
	}
	return out
}
