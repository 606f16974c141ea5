package bedrockemu

import (
	"fmt"
	"net/http"
)

// defaultMaxResults is the page size when a List call gives none. The real
// default is not documented; a small one makes pagination bugs show.
const defaultMaxResults = 10

// embeddingModelArn is reported by GetKnowledgeBase; the emulator does not
// embed anything, but the field is required by the API model.
const embeddingModelArn = "arn:aws:bedrock:%s::foundation-model/amazon.titan-embed-text-v2:0"

type listRequest struct {
	MaxResults *int    `json:"maxResults"`
	NextToken  *string `json:"nextToken"`
}

func (l listRequest) validate(v *validator) {
	v.rangeInt("maxResults", l.MaxResults, 1, 1000)
	v.length("nextToken", l.NextToken, 1, 2048)
}

func (l listRequest) size() int {
	if l.MaxResults == nil {
		return defaultMaxResults
	}
	return *l.MaxResults
}

// lookup finds a knowledge base and, when dsID is not empty, a data source,
// with the real service's not-found messages. Callers hold s.mu.
func (s *Server) lookup(kbID, dsID string) (*kbState, *dsState, *apiError) {
	kb, ok := s.kbs[kbID]
	if !ok {
		return nil, nil, errNotFound("KnowledgeBase with id %s does not exist", kbID)
	}
	if dsID == "" {
		return kb, nil, nil
	}
	ds, ok := kb.dss[dsID]
	if !ok {
		return nil, nil, errNotFound("DataSource with id %s does not exist in KnowledgeBase %s", dsID, kbID)
	}
	return kb, ds, nil
}

func (s *Server) kbJSON(kb *kbState) map[string]any {
	vs := kb.seed.VectorStore
	vector := map[string]any{"embeddingModelArn": fmt.Sprintf(embeddingModelArn, s.cfg.Region)}
	storage := map[string]any{}
	if vs.Type == StorageS3Vectors {
		storage["type"] = "S3_VECTORS"
		storage["s3VectorsConfiguration"] = map[string]any{
			"vectorBucketArn": s.vectorBucketArn(vs.Bucket),
			"indexArn":        s.vectorIndexArn(vs.Bucket, vs.Index),
			"indexName":       vs.Index,
		}
	} else {
		// Not a real storage type: see StorageS3. The bucket goes where
		// clients will display it.
		storage["type"] = "S3"
		vector["supplementalDataStorageConfiguration"] = map[string]any{
			"storageLocations": []any{map[string]any{"type": "S3", "s3Location": map[string]any{"uri": "s3://" + vs.Bucket}}},
		}
	}
	out := map[string]any{
		"knowledgeBaseId":  kb.seed.ID,
		"name":             kb.seed.Name,
		"knowledgeBaseArn": s.kbArn(kb.seed.ID),
		"roleArn":          fmt.Sprintf("arn:aws:iam::%s:role/AmazonBedrockExecutionRoleForKnowledgeBase_%s", s.cfg.AccountID, kb.seed.ID),
		"knowledgeBaseConfiguration": map[string]any{
			"type": "VECTOR", "vectorKnowledgeBaseConfiguration": vector,
		},
		"storageConfiguration": storage,
		"status":               "ACTIVE",
		"createdAt":            timestamp(kb.created),
		"updatedAt":            timestamp(kb.created),
	}
	if kb.seed.Description != "" {
		out["description"] = kb.seed.Description
	}
	return out
}

func (s *Server) dsJSON(ds *dsState) map[string]any {
	s3cfg := map[string]any{
		"bucketArn":            "arn:aws:s3:::" + ds.seed.Bucket,
		"bucketOwnerAccountId": s.cfg.AccountID,
	}
	if ds.seed.Prefix != "" {
		s3cfg["inclusionPrefixes"] = []string{ds.seed.Prefix}
	}
	return map[string]any{
		"knowledgeBaseId":         ds.kb.seed.ID,
		"dataSourceId":            ds.seed.ID,
		"name":                    ds.seed.Name,
		"status":                  "AVAILABLE",
		"dataDeletionPolicy":      "RETAIN",
		"dataSourceConfiguration": map[string]any{"type": "S3", "s3Configuration": s3cfg},
		"createdAt":               timestamp(ds.created),
		"updatedAt":               timestamp(ds.created),
	}
}

func (s *Server) getKnowledgeBase(w http.ResponseWriter, r *http.Request) {
	var v validator
	v.id("knowledgeBaseId", r.PathValue("kb"))
	if e := v.err(); e != nil {
		writeError(w, e)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	kb, _, e := s.lookup(r.PathValue("kb"), "")
	if e != nil {
		writeError(w, e)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"knowledgeBase": s.kbJSON(kb)})
}

func (s *Server) listKnowledgeBases(w http.ResponseWriter, r *http.Request) {
	var req listRequest
	if e := decodeBody(r, &req); e != nil {
		writeError(w, e)
		return
	}
	var v validator
	req.validate(&v)
	if e := v.err(); e != nil {
		writeError(w, e)
		return
	}
	query := queryFingerprint(OpListKnowledgeBases)
	offset, e := decodePageToken(req.NextToken, query)
	if e != nil {
		writeError(w, e)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	lo, hi, next := page(len(s.kbOrder), offset, req.size(), query)
	summaries := []map[string]any{}
	for _, id := range s.kbOrder[lo:hi] {
		full := s.kbJSON(s.kbs[id])
		sum := map[string]any{}
		for _, k := range []string{"knowledgeBaseId", "name", "description", "status", "updatedAt"} {
			if val, ok := full[k]; ok {
				sum[k] = val
			}
		}
		summaries = append(summaries, sum)
	}
	writeJSON(w, http.StatusOK, withNextToken(map[string]any{"knowledgeBaseSummaries": summaries}, next))
}

func (s *Server) getDataSource(w http.ResponseWriter, r *http.Request) {
	var v validator
	v.id("knowledgeBaseId", r.PathValue("kb"))
	v.id("dataSourceId", r.PathValue("ds"))
	if e := v.err(); e != nil {
		writeError(w, e)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ds, e := s.lookup(r.PathValue("kb"), r.PathValue("ds"))
	if e != nil {
		writeError(w, e)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"dataSource": s.dsJSON(ds)})
}

func (s *Server) listDataSources(w http.ResponseWriter, r *http.Request) {
	var req listRequest
	if e := decodeBody(r, &req); e != nil {
		writeError(w, e)
		return
	}
	var v validator
	v.id("knowledgeBaseId", r.PathValue("kb"))
	req.validate(&v)
	if e := v.err(); e != nil {
		writeError(w, e)
		return
	}
	query := queryFingerprint(OpListDataSources, r.PathValue("kb"))
	offset, e := decodePageToken(req.NextToken, query)
	if e != nil {
		writeError(w, e)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	kb, _, e := s.lookup(r.PathValue("kb"), "")
	if e != nil {
		writeError(w, e)
		return
	}
	lo, hi, next := page(len(kb.dsOrder), offset, req.size(), query)
	summaries := []map[string]any{}
	for _, id := range kb.dsOrder[lo:hi] {
		ds := kb.dss[id]
		summaries = append(summaries, map[string]any{
			"knowledgeBaseId": kb.seed.ID, "dataSourceId": id, "name": ds.seed.Name,
			"status": "AVAILABLE", "updatedAt": timestamp(ds.created),
		})
	}
	writeJSON(w, http.StatusOK, withNextToken(map[string]any{"dataSourceSummaries": summaries}, next))
}
