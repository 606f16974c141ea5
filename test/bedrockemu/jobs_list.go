package bedrockemu

import (
	"net/http"
	"slices"
	"strings"
)

type listJobsRequest struct {
	listRequest
	Filters []struct {
		Attribute string   `json:"attribute"`
		Operator  string   `json:"operator"`
		Values    []string `json:"values"`
	} `json:"filters"`
	SortBy *struct {
		Attribute string `json:"attribute"`
		Order     string `json:"order"`
	} `json:"sortBy"`
}

func (req *listJobsRequest) validate(v *validator) {
	req.listRequest.validate(v)
	if req.Filters != nil && (len(req.Filters) < 1 || len(req.Filters) > 1) {
		v.fail("filters", "[...]", "Member must have length between 1 and 1, inclusive")
	}
	for _, f := range req.Filters {
		if f.Attribute != "STATUS" {
			v.fail("filters.member.attribute", f.Attribute, "Member must satisfy enum value set: [STATUS]")
		}
		if f.Operator != "EQ" {
			v.fail("filters.member.operator", f.Operator, "Member must satisfy enum value set: [EQ]")
		}
		if len(f.Values) > 10 {
			v.fail("filters.member.values", "[...]", "Member must have length less than or equal to 10")
		}
	}
	if sb := req.SortBy; sb != nil {
		if sb.Attribute != "STATUS" && sb.Attribute != "STARTED_AT" {
			v.fail("sortBy.attribute", sb.Attribute, "Member must satisfy enum value set: [STATUS, STARTED_AT]")
		}
		if sb.Order != "ASCENDING" && sb.Order != "DESCENDING" {
			v.fail("sortBy.order", sb.Order, "Member must satisfy enum value set: [ASCENDING, DESCENDING]")
		}
	}
}

// listIngestionJobs filters on STATUS, sorts (by default newest first, the
// order a caller looking for "the latest job" wants), then pages with an
// offset token. A job started between two pages may shift the offsets, as
// it may with the real service.
func (s *Server) listIngestionJobs(w http.ResponseWriter, r *http.Request) {
	var req listJobsRequest
	if e := decodeBody(r, &req); e != nil {
		writeError(w, e)
		return
	}
	kbID, dsID := r.PathValue("kb"), r.PathValue("ds")
	var v validator
	v.id("knowledgeBaseId", kbID)
	v.id("dataSourceId", dsID)
	req.validate(&v)
	if e := v.err(); e != nil {
		writeError(w, e)
		return
	}
	query := queryFingerprint(OpListIngestionJobs, kbID, dsID, req.Filters, req.SortBy)
	offset, e := decodePageToken(req.NextToken, query)
	if e != nil {
		writeError(w, e)
		return
	}
	now, err := s.lockSettled(r.Context(), func() []*job {
		if _, ds, e := s.lookup(kbID, dsID); e == nil {
			return ds.jobs
		}
		return nil
	})
	if err != nil {
		writeError(w, errInternal(err))
		return
	}
	_, ds, e := s.lookup(kbID, dsID)
	if e != nil {
		s.mu.Unlock()
		writeError(w, e)
		return
	}
	type entry struct {
		Job
		seq int64
	}
	var jobs []entry
	for _, j := range ds.jobs {
		snap := s.snapshot(j, now)
		if len(req.Filters) == 0 || slices.Contains(req.Filters[0].Values, snap.Status) {
			jobs = append(jobs, entry{snap, j.seq})
		}
	}
	s.mu.Unlock()

	byStatus, desc := false, true
	if req.SortBy != nil {
		byStatus, desc = req.SortBy.Attribute == "STATUS", req.SortBy.Order == "DESCENDING"
	}
	// Creation order is the last tie-breaker, so pages are stable.
	slices.SortFunc(jobs, func(a, b entry) int {
		c := 0
		if byStatus {
			c = strings.Compare(a.Status, b.Status)
		}
		if c == 0 {
			c = a.StartedAt.Compare(b.StartedAt)
		}
		if c == 0 {
			c = int(a.seq - b.seq)
		}
		if desc {
			c = -c
		}
		return c
	})
	lo, hi, next := page(len(jobs), offset, req.size(), query)
	summaries := []map[string]any{}
	for _, j := range jobs[lo:hi] {
		summaries = append(summaries, jobJSON(j.Job, true))
	}
	writeJSON(w, http.StatusOK, withNextToken(map[string]any{"ingestionJobSummaries": summaries}, next))
}
