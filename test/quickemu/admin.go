package quickemu

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/aws/smithy-go"
)

// AdminPrefix is where the emulator's own endpoints live, apart from the
// API: they let the demo and shell scripts do what tests do with the Go
// hooks, against the standalone command.
//
//	POST {AdminPrefix}/accounts/{account}/knowledge-bases/{kb}/refresh
//	    starts an ingestion, as the console's manual refresh (StartIngestion)
//	GET  {AdminPrefix}/accounts/{account}/knowledge-bases/{kb}/retrievable?user=EMAIL&group=G&group=H
//	    lists what a principal can retrieve (Retrievable)
//	GET  {AdminPrefix}/accounts/{account}/knowledge-bases/{kb}/ingestions
//	    lists the ingestions (Ingestions)
//	POST {AdminPrefix}/accounts/{account}/knowledge-bases/{kb}/skip-to-next-refresh
//	    jumps a JumpClock to the next scheduled refresh (SkipToNextRefresh)
//
// They take no signature: they are not AWS's.
const AdminPrefix = "/_quickemu"

func (s *Server) adminRoutes() {
	const kb = AdminPrefix + "/accounts/{account}/knowledge-bases/{kb}"
	s.mux.HandleFunc("POST "+kb+"/refresh", func(w http.ResponseWriter, r *http.Request) {
		id, err := s.StartIngestion(r.PathValue("account"), r.PathValue("kb"))
		if err != nil {
			writeAdminError(w, err)
			return
		}
		writeAdminJSON(w, map[string]any{"IngestionId": id})
	})
	s.mux.HandleFunc("GET "+kb+"/retrievable", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		keys := s.Retrievable(r.PathValue("account"), r.PathValue("kb"), q.Get("user"), q["group"])
		if keys == nil {
			keys = []string{}
		}
		writeAdminJSON(w, map[string]any{"Keys": keys})
	})
	s.mux.HandleFunc("POST "+kb+"/skip-to-next-refresh", func(w http.ResponseWriter, r *http.Request) {
		at, jumped, err := s.SkipToNextRefresh(r.PathValue("account"), r.PathValue("kb"))
		if err != nil {
			writeError(w, &apiError{status: http.StatusConflict, code: "ConflictException", message: err.Error()})
			return
		}
		writeAdminJSON(w, map[string]any{"RefreshAt": at.Format(time.RFC3339Nano), "Jumped": jumped.String()})
	})
	s.mux.HandleFunc("GET "+kb+"/ingestions", func(w http.ResponseWriter, r *http.Request) {
		list := s.Ingestions(r.PathValue("account"), r.PathValue("kb"))
		out := make([]map[string]any, 0, len(list))
		for _, in := range list {
			v := map[string]any{"IngestionId": in.ID, "Trigger": in.Trigger, "IngestionStatus": in.Status,
				"StartTime": in.StartTime.Format(time.RFC3339Nano), "Ingested": in.Ingested,
				"NotIngested": in.NotIngested, "Failed": in.Failed, "Reasons": in.Reasons}
			if !in.EndTime.IsZero() {
				v["EndTime"] = in.EndTime.Format(time.RFC3339Nano)
			}
			out = append(out, v)
		}
		writeAdminJSON(w, map[string]any{"Ingestions": out})
	})
}

func writeAdminJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func writeAdminError(w http.ResponseWriter, err error) {
	var e *apiError
	if errors.As(err, &e) {
		writeError(w, e)
		return
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		writeError(w, &apiError{status: http.StatusInternalServerError, code: ae.ErrorCode(), message: ae.ErrorMessage()})
		return
	}
	writeError(w, errInternal(err))
}
