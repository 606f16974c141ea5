package quickemu

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/smithy-go"
)

// apiError is an error response as Amazon Quick sends it: the code in the
// X-Amzn-ErrorType header, in the coral form "Code:http://internal..."
// that the SDKs strip, and a JSON body with the model's members Message,
// RequestId and, for resource errors, ResourceType.
type apiError struct {
	status       int
	code         string
	message      string
	resourceType string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

// ErrorCode, ErrorMessage and ErrorFault make apiError a smithy.APIError,
// so errors of the Go hooks (StartIngestion) classify like the SDK's.
func (e *apiError) ErrorCode() string    { return e.code }
func (e *apiError) ErrorMessage() string { return e.message }
func (e *apiError) ErrorFault() smithy.ErrorFault {
	if e.status >= 500 {
		return smithy.FaultServer
	}
	return smithy.FaultClient
}

// The exceptions and HTTP statuses are the quicksight model's.
func errNotFound(resourceType, format string, args ...any) *apiError {
	return &apiError{status: http.StatusNotFound, code: "ResourceNotFoundException", message: fmt.Sprintf(format, args...), resourceType: resourceType}
}

func errInvalid(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "InvalidParameterValueException", message: fmt.Sprintf(format, args...)}
}

func errConflict(format string, args ...any) *apiError {
	return &apiError{status: http.StatusConflict, code: "ConflictException", message: fmt.Sprintf(format, args...)}
}

func errLimit(resourceType, format string, args ...any) *apiError {
	// LimitExceededException is 409 in the quicksight model.
	return &apiError{status: http.StatusConflict, code: "LimitExceededException", message: fmt.Sprintf(format, args...), resourceType: resourceType}
}

func errThrottled(what string) *apiError {
	return &apiError{status: http.StatusTooManyRequests, code: "ThrottlingException", message: "Rate exceeded: " + what}
}

func errInternal(err error) *apiError {
	return &apiError{status: http.StatusInternalServerError, code: "InternalFailureException", message: err.Error()}
}

func writeError(w http.ResponseWriter, e *apiError) {
	body := map[string]string{"Message": e.message, "RequestId": w.Header().Get("X-Amzn-Requestid")}
	if e.resourceType != "" {
		body["ResourceType"] = e.resourceType
	}
	data, _ := json.Marshal(body)
	w.Header().Set("X-Amzn-ErrorType", e.code+":http://internal.amazon.com/coral/com.amazonaws.quicksight/")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	_, _ = w.Write(data)
}

// writeJSON writes a 200 response with v plus the RequestId member every
// quicksight output has.
func writeJSON(w http.ResponseWriter, v map[string]any) {
	v["RequestId"] = w.Header().Get("X-Amzn-Requestid")
	body, err := json.Marshal(v)
	if err != nil {
		writeError(w, errInternal(err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// decodeBody reads an optional JSON request body into dst.
func decodeBody(r *http.Request, dst any) *apiError {
	data, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return errInternal(err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, dst); err != nil {
		return &apiError{status: http.StatusBadRequest, code: "InvalidRequestException", message: "Could not parse request body: " + err.Error()}
	}
	return nil
}

// epoch is a restJson timestamp: epoch seconds as a JSON number.
type epoch float64

func toEpoch(t time.Time) epoch { return epoch(float64(t.UnixMilli()) / 1000) }

func (e epoch) time() time.Time { return time.UnixMilli(int64(float64(e) * 1000)).UTC() }

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
