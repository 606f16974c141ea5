package bedrockemu

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
)

// pageToken is what an opaque nextToken carries: the offset of the next
// item and a fingerprint of the query, so a token is refused when replayed
// against a different query, as real services do.
type pageToken struct {
	Offset int    `json:"o"`
	Query  string `json:"q"`
}

func queryFingerprint(parts ...any) string {
	data, _ := json.Marshal(parts)
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}

func encodePageToken(offset int, query string) *string {
	data, _ := json.Marshal(pageToken{Offset: offset, Query: query})
	s := base64.RawURLEncoding.EncodeToString(data)
	return &s
}

func decodePageToken(token *string, query string) (int, *apiError) {
	if token == nil {
		return 0, nil
	}
	bad := &apiError{status: http.StatusBadRequest, code: "ValidationException", message: "The provided nextToken is not valid"}
	data, err := base64.RawURLEncoding.DecodeString(*token)
	if err != nil {
		return 0, bad
	}
	var pt pageToken
	if json.Unmarshal(data, &pt) != nil || pt.Query != query || pt.Offset < 0 {
		return 0, bad
	}
	return pt.Offset, nil
}

// page slices n items starting at offset and returns the bounds and the
// token of the following page, if any.
func page(n, offset, max int, query string) (lo, hi int, next *string) {
	if offset > n {
		offset = n
	}
	hi = offset + max
	if hi >= n {
		return offset, n, nil
	}
	return offset, hi, encodePageToken(hi, query)
}

// withNextToken adds nextToken to a list response only when there is a next
// page: the real service omits the member rather than sending null.
func withNextToken(body map[string]any, next *string) map[string]any {
	if next != nil {
		body["nextToken"] = *next
	}
	return body
}
