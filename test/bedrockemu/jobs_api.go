package bedrockemu

import (
	"context"
	"maps"
	"net/http"
	"regexp"
	"time"
)

var clientTokenPattern = regexp.MustCompile(`^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,256}$`)

type startRequest struct {
	ClientToken *string `json:"clientToken"`
	Description *string `json:"description"`
}

// tokenUse remembers which job a clientToken started, and with what
// parameters, for the idempotency window.
type tokenUse struct {
	job          *job
	kbID, dsID   string
	description  string
	expiresAfter time.Time
}

func (s *Server) startIngestionJob(w http.ResponseWriter, r *http.Request) {
	var req startRequest
	if e := decodeBody(r, &req); e != nil {
		writeError(w, e)
		return
	}
	var v validator
	v.id("knowledgeBaseId", r.PathValue("kb"))
	v.id("dataSourceId", r.PathValue("ds"))
	v.length("clientToken", req.ClientToken, 33, 256)
	if req.ClientToken != nil {
		v.pattern("clientToken", *req.ClientToken, clientTokenPattern, "[a-zA-Z0-9](-*[a-zA-Z0-9]){0,256}")
	}
	v.length("description", req.Description, 1, 200)
	if e := v.err(); e != nil {
		writeError(w, e)
		return
	}
	j, e := s.start(r.Context(), r.PathValue("kb"), r.PathValue("ds"), deref(req.ClientToken), deref(req.Description))
	if e != nil {
		writeError(w, e)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"ingestionJob": jobJSON(j, false)})
}

// StartIngestionJob starts a job as another client would (a second
// controller replica, a person in the console): it consumes the same
// throttling quota and obeys the same conflict rules as an API call, but is
// not counted in CallCount, which counts only what reached the endpoint.
// The returned error implements smithy.APIError.
func (s *Server) StartIngestionJob(ctx context.Context, kbID, dsID, clientToken, description string) (Job, error) {
	j, e := s.start(ctx, kbID, dsID, clientToken, description)
	if e != nil {
		return Job{}, e
	}
	return j, nil
}

// StartHeldIngestionJob is StartIngestionJob for a job that runs until
// release is called, however long that takes: tests that must see a job
// someone else started while it still runs use it, so that a slow machine
// cannot let the job end before kbwarden looks.
func (s *Server) StartHeldIngestionJob(ctx context.Context, kbID, dsID, description string) (job Job, release func(), err error) {
	job, err = s.StartIngestionJob(ctx, kbID, dsID, "", description)
	if err != nil {
		return Job{}, nil, err
	}
	s.mu.Lock()
	j := s.jobs[job.ID]
	j.held = true
	s.mu.Unlock()
	release = func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if j.held {
			j.held, j.releasedAt = false, s.clock.Now()
		}
	}
	return job, release, nil
}

// start admits a job, then does its work right away, synchronously: the
// outcome reflects the buckets and policies as they are when the job is
// started, whatever the clock does next, which keeps tests deterministic.
// The clock only decides when the outcome becomes visible.
func (s *Server) start(ctx context.Context, kbID, dsID, token, description string) (Job, *apiError) {
	j, in, replay, e := s.admit(ctx, kbID, dsID, token, description)
	if e != nil || j == nil {
		return replay, e
	}
	defer s.work.Done()
	res := s.ingest(s.ctx, in)
	s.mu.Lock()
	j.result = res
	close(j.done)
	s.mu.Unlock()
	return Job{KnowledgeBaseID: kbID, DataSourceID: dsID, ID: j.id, Description: description,
		Status: StatusStarting, StartedAt: j.startedAt, UpdatedAt: j.startedAt}, nil
}

// admit applies throttling, idempotency, existence, conflict and quota
// rules and registers the job. It returns either a new job to work on or,
// for a replayed clientToken, the existing job's snapshot.
func (s *Server) admit(ctx context.Context, kbID, dsID, token, description string) (*job, ingestInput, Job, *apiError) {
	now, err := s.lockSettled(ctx, s.unfinishedJobs)
	if err != nil {
		return nil, ingestInput{}, Job{}, errInternal(err)
	}
	defer s.mu.Unlock()
	// Throttling comes first, as at AWS's front door: a conflicting or
	// replayed call still spends quota.
	if !s.throttle.take(now) {
		return nil, ingestInput{}, Job{}, errThrottled()
	}
	for t, use := range s.tokens {
		if now.After(use.expiresAfter) {
			delete(s.tokens, t)
		}
	}
	if use, ok := s.tokens[token]; ok && token != "" {
		if use.kbID != kbID || use.dsID != dsID || use.description != description {
			return nil, ingestInput{}, Job{}, errConflict("The clientToken %s was already used for a different request", token)
		}
		return nil, ingestInput{}, s.snapshot(use.job, now), nil
	}
	kb, ds, e := s.lookup(kbID, dsID)
	if e != nil {
		return nil, ingestInput{}, Job{}, e
	}
	running := 0
	for _, other := range s.jobs {
		if _, _, over := s.phase(other, now); over {
			continue
		}
		if other.kb == kb {
			return nil, ingestInput{}, Job{}, errConflict("Unable to start an ingestion job for data source %s: ingestion job %s of data source %s in knowledge base %s is %s. Wait for it to finish or stop it first.",
				dsID, other.id, other.ds.seed.ID, kbID, s.snapshot(other, now).Status)
		}
		running++
	}
	if running >= s.cfg.MaxConcurrentJobs {
		return nil, ingestInput{}, Job{}, errQuota("The account already runs %d ingestion jobs, the maximum allowed", running)
	}
	if s.closed {
		return nil, ingestInput{}, Job{}, errInternal(errServerClosed)
	}
	s.work.Add(1)
	s.seq++
	j := &job{id: newID(), description: description, kb: kb, ds: ds, seq: s.seq, startedAt: now, done: make(chan struct{})}
	s.jobs[j.id] = j
	ds.jobs = append(ds.jobs, j)
	if token != "" {
		s.tokens[token] = &tokenUse{job: j, kbID: kbID, dsID: dsID, description: description, expiresAfter: now.Add(s.cfg.IdempotencyWindow)}
	}
	return j, ingestInput{jobID: j.id, kb: kb.seed, ds: ds.seed, baseline: maps.Clone(ds.index)}, Job{}, nil
}

func (s *Server) unfinishedJobs() []*job {
	var out []*job
	for _, j := range s.jobs {
		if !j.finalized {
			out = append(out, j)
		}
	}
	return out
}

// jobInPath validates the path IDs and returns the settled job they name,
// with s.mu held when the error is nil.
func (s *Server) jobInPath(r *http.Request) (*job, time.Time, *apiError) {
	kbID, dsID, jobID := r.PathValue("kb"), r.PathValue("ds"), r.PathValue("job")
	var v validator
	v.id("knowledgeBaseId", kbID)
	v.id("dataSourceId", dsID)
	v.id("ingestionJobId", jobID)
	if e := v.err(); e != nil {
		return nil, time.Time{}, e
	}
	now, err := s.lockSettled(r.Context(), func() []*job {
		if j, ok := s.jobs[jobID]; ok {
			return []*job{j}
		}
		return nil
	})
	if err != nil {
		return nil, now, errInternal(err)
	}
	_, ds, e := s.lookup(kbID, dsID)
	if e == nil {
		if j, ok := s.jobs[jobID]; ok && j.ds == ds {
			return j, now, nil
		}
		e = errNotFound("IngestionJob with id %s does not exist in DataSource %s of KnowledgeBase %s", jobID, dsID, kbID)
	}
	s.mu.Unlock()
	return nil, now, e
}

func (s *Server) getIngestionJob(w http.ResponseWriter, r *http.Request) {
	j, now, e := s.jobInPath(r)
	if e != nil {
		writeError(w, e)
		return
	}
	snap := s.snapshot(j, now)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"ingestionJob": jobJSON(snap, false)})
}

// stopIngestionJob moves a STARTING or IN_PROGRESS job to STOPPING; any
// other status is a conflict. The work was done at start, so what it wrote
// stays (as a real stopped job's partial work does), but the data source's
// baseline does not move: the next job redoes it all.
func (s *Server) stopIngestionJob(w http.ResponseWriter, r *http.Request) {
	j, now, e := s.jobInPath(r)
	if e != nil {
		writeError(w, e)
		return
	}
	defer s.mu.Unlock()
	if status, _, over := s.phase(j, now); over || status == StatusStopping {
		writeError(w, errConflict("IngestionJob %s is %s and cannot be stopped", j.id, s.snapshot(j, now).Status))
		return
	}
	j.stopAt = now
	snap := s.snapshot(j, now)
	snap.Status, snap.UpdatedAt = StatusStopping, now
	writeJSON(w, http.StatusAccepted, map[string]any{"ingestionJob": jobJSON(snap, false)})
}

// Job returns a snapshot of a job, settled like GetIngestionJob would, or
// a ResourceNotFoundException.
func (s *Server) Job(ctx context.Context, jobID string) (Job, error) {
	now, err := s.lockSettled(ctx, s.unfinishedJobs)
	if err != nil {
		return Job{}, err
	}
	defer s.mu.Unlock()
	j, ok := s.jobs[jobID]
	if !ok {
		return Job{}, errNotFound("IngestionJob with id %s does not exist", jobID)
	}
	return s.snapshot(j, now), nil
}

// Jobs returns every job of a data source, oldest first, settled.
func (s *Server) Jobs(ctx context.Context, kbID, dsID string) ([]Job, error) {
	now, err := s.lockSettled(ctx, s.unfinishedJobs)
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	_, ds, e := s.lookup(kbID, dsID)
	if e != nil {
		return nil, e
	}
	out := make([]Job, 0, len(ds.jobs))
	for _, j := range ds.jobs {
		out = append(out, s.snapshot(j, now))
	}
	return out, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
