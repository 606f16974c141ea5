package bedrockemu

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"time"

	"github.com/aws/smithy-go"
)

// apiError is an error response as the real service sends it: the error
// code in the X-Amzn-Errortype header (which the SDK and botocore read
// first) and a JSON body with "message" (plus "fieldList" for validation).
type apiError struct {
	status  int
	code    string
	message string
	fields  []fieldError
}

type fieldError struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

// ErrorCode, ErrorMessage and ErrorFault make apiError a smithy.APIError, so
// errors from the Go hooks are inspected like the SDK's.
func (e *apiError) ErrorCode() string    { return e.code }
func (e *apiError) ErrorMessage() string { return e.message }
func (e *apiError) ErrorFault() smithy.ErrorFault {
	if e.status >= 500 {
		return smithy.FaultServer
	}
	return smithy.FaultClient
}

func errNotFound(format string, args ...any) *apiError {
	return &apiError{status: http.StatusNotFound, code: "ResourceNotFoundException", message: fmt.Sprintf(format, args...)}
}

func errConflict(format string, args ...any) *apiError {
	return &apiError{status: http.StatusConflict, code: "ConflictException", message: fmt.Sprintf(format, args...)}
}

func errThrottled() *apiError {
	return &apiError{status: http.StatusTooManyRequests, code: "ThrottlingException", message: "Rate exceeded"}
}

func errQuota(format string, args ...any) *apiError {
	// 402 is what the service model declares for this exception.
	return &apiError{status: http.StatusPaymentRequired, code: "ServiceQuotaExceededException", message: fmt.Sprintf(format, args...)}
}

func errInternal(err error) *apiError {
	return &apiError{status: http.StatusInternalServerError, code: "InternalServerException", message: err.Error()}
}

// validator collects constraint violations and renders them the way AWS
// services do: "N validation errors detected: Value 'x' at 'field' failed to
// satisfy constraint: ...".
type validator struct{ fields []fieldError }

func (v *validator) fail(field, value, constraint string) {
	v.fields = append(v.fields, fieldError{Name: field,
		Message: fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: %s", value, field, constraint)})
}

func (v *validator) pattern(field, value string, re *regexp.Regexp, shown string) {
	if !re.MatchString(value) {
		v.fail(field, value, "Member must satisfy regular expression pattern: "+shown)
	}
}

func (v *validator) length(field string, value *string, min, max int) {
	if value == nil {
		return
	}
	if n := len([]rune(*value)); n < min || n > max {
		v.fail(field, *value, fmt.Sprintf("Member must have length between %d and %d, inclusive", min, max))
	}
}

func (v *validator) rangeInt(field string, value *int, min, max int) {
	if value == nil {
		return
	}
	if *value < min {
		v.fail(field, fmt.Sprint(*value), fmt.Sprintf("Member must have value greater than or equal to %d", min))
	} else if *value > max {
		v.fail(field, fmt.Sprint(*value), fmt.Sprintf("Member must have value less than or equal to %d", max))
	}
}

func (v *validator) id(field, value string) {
	v.pattern(field, value, idPattern, "[0-9a-zA-Z]{10}")
}

func (v *validator) err() *apiError {
	if len(v.fields) == 0 {
		return nil
	}
	noun := "error"
	if len(v.fields) > 1 {
		noun = "errors"
	}
	msg := fmt.Sprintf("%d validation %s detected: ", len(v.fields), noun)
	for i, f := range v.fields {
		if i > 0 {
			msg += "; "
		}
		msg += f.Message
	}
	return &apiError{status: http.StatusBadRequest, code: "ValidationException", message: msg, fields: v.fields}
}

// decodeBody reads an optional JSON request body into dst. An empty body is
// a request with no members, as the SDK sends for operations without any.
func decodeBody(r *http.Request, dst any) *apiError {
	data, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return errInternal(err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, dst); err != nil {
		return &apiError{status: http.StatusBadRequest, code: "SerializationException", message: "Could not parse request body: " + err.Error()}
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		writeError(w, errInternal(err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeError(w http.ResponseWriter, e *apiError) {
	body := map[string]any{"message": e.message}
	if len(e.fields) > 0 {
		body["fieldList"] = e.fields
	}
	data, _ := json.Marshal(body)
	w.Header().Set("X-Amzn-Errortype", e.code)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	_, _ = w.Write(data)
}

// newRequestID mimics the UUID-shaped x-amzn-RequestId the SDK surfaces in
// its errors, which helps when reading test failures.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

const idAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// newID returns a 10-character upper-case alphanumeric ID, the shape of the
// real service's job IDs.
func newID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b[:])
}

// timestamp formats t as the restJson1 date-time the SDK parses.
func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
