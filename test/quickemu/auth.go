package quickemu

import (
	"net/http"
	"regexp"
	"strings"
)

// signaturePattern is the shape of a SigV4 Authorization header.
var signaturePattern = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$`)

// checkSignature verifies that a request is SigV4-signed for service
// quicksight in the emulator's region. It checks the shape, not the
// signature's value (the emulator knows no secrets): enough to catch a
// client that does not sign, signs for another service or region, or
// forgets X-Amz-Date. The codes are those AWS returns for these faults.
func (s *Server) checkSignature(r *http.Request) *apiError {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return &apiError{status: http.StatusForbidden, code: "MissingAuthenticationTokenException", message: "Missing Authentication Token"}
	}
	m := signaturePattern.FindStringSubmatch(auth)
	if m == nil {
		return &apiError{status: http.StatusForbidden, code: "IncompleteSignatureException", message: "Authorization header is not AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..."}
	}
	scope := strings.Split(m[1], "/")
	if len(scope) != 5 || scope[4] != "aws4_request" {
		return &apiError{status: http.StatusForbidden, code: "IncompleteSignatureException", message: "Credential " + m[1] + " is not ACCESSKEY/DATE/REGION/SERVICE/aws4_request"}
	}
	if scope[3] != signingName {
		return &apiError{status: http.StatusForbidden, code: "InvalidSignatureException", message: "Credential should be scoped to correct service: '" + signingName + "'."}
	}
	if scope[2] != s.cfg.Region {
		return &apiError{status: http.StatusForbidden, code: "InvalidSignatureException", message: "Credential should be scoped to a valid region, not '" + scope[2] + "'."}
	}
	date := r.Header.Get("X-Amz-Date")
	if date == "" || !strings.HasPrefix(date, scope[1]) {
		return &apiError{status: http.StatusForbidden, code: "IncompleteSignatureException", message: "X-Amz-Date is missing or does not match the credential scope date"}
	}
	signed := strings.Split(m[2], ";")
	hasHost := false
	for _, h := range signed {
		hasHost = hasHost || h == "host"
	}
	if !hasHost {
		return &apiError{status: http.StatusForbidden, code: "IncompleteSignatureException", message: "SignedHeaders must include host"}
	}
	return nil
}

const signingName = "quicksight"
