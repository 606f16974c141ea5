package quick

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/aws/smithy-go"
)

// parseError turns an error response into a *smithy.GenericAPIError, the
// smithy.APIError that internal/awserr classifies by code. The code comes,
// as in the SDK's restJson deserializers, from the X-Amzn-ErrorType header
// first, then the body's "code" or "__type"; a namespace ("aws.quicksight#")
// or a trailing ":http://..." is stripped. With no code at all the HTTP
// status still reaches the caller through the SDK's ResponseError wrapper.
func parseError(resp *http.Response, body []byte) error {
	var doc struct {
		Code       string `json:"code"`
		CodeUpper  string `json:"Code"`
		Type       string `json:"__type"`
		Message    string `json:"message"`
		MessageUp  string `json:"Message"`
		ErrMessage string `json:"errorMessage"`
	}
	_ = json.Unmarshal(body, &doc) // a non-JSON body leaves the fields empty
	code := firstNonEmpty(resp.Header.Get("X-Amzn-ErrorType"), doc.Code, doc.CodeUpper, doc.Type)
	code = sanitizeErrorCode(code)
	if code == "" {
		code = "UnknownError"
	}
	fault := smithy.FaultClient
	if resp.StatusCode >= 500 {
		fault = smithy.FaultServer
	}
	return &smithy.GenericAPIError{
		Code:    code,
		Message: firstNonEmpty(doc.Message, doc.MessageUp, doc.ErrMessage),
		Fault:   fault,
	}
}

func sanitizeErrorCode(code string) string {
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[:i]
	}
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	return strings.TrimSpace(code)
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
