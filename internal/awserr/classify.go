// Package awserr classifies AWS errors once, by error code, so that every
// caller turns the same failure into the same condition reason.
package awserr

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// Kind is what an AWS error means for kbwarden.
type Kind int

const (
	// Unknown is an error kbwarden does not recognise; it is retried.
	Unknown Kind = iota
	// NotFound: the resource (a bucket, a policy, a job) does not exist.
	NotFound
	// AccessDenied: kbwarden's own credentials were refused the call.
	AccessDenied
	// Throttled: AWS asked kbwarden to slow down.
	Throttled
	// ServerError: a 5xx or a network failure that may pass.
	ServerError
	// Conflict: the request conflicts with the resource's state (for
	// example an ingestion job is already running).
	Conflict
	// Invalid: AWS rejected the request's content (a malformed policy, a bad
	// parameter); retrying the same request will not help.
	Invalid
	// BadCredentials: AWS did not accept kbwarden's credentials at all
	// (expired, unknown key, bad signature, often clock skew): no IAM
	// permission would help.
	BadCredentials
	// LimitExceeded: a per-resource or account limit was reached (Amazon
	// Quick: a knowledge base's second refresh schedule, or a quota);
	// retrying the same request changes nothing until something is removed
	// or the quota raised.
	LimitExceeded
)

func (k Kind) String() string {
	return [...]string{"Unknown", "NotFound", "AccessDenied", "Throttled", "ServerError", "Conflict", "Invalid", "BadCredentials", "LimitExceeded"}[k]
}

// codes maps AWS error codes to kinds. Codes are shared across services
// (S3, S3 Vectors, STS, bedrock-agent, Amazon Quick), so one table serves
// them all. Amazon Quick's come from the quicksight model's exception
// shapes and, for authentication, from what the AWS front end answers an
// unsigned or badly signed request with.
var codes = map[string]Kind{
	"NoSuchBucket":                         NotFound,
	"NotFound":                             NotFound,
	"NotFoundException":                    NotFound,
	"ResourceNotFoundException":            NotFound,
	"NoSuchBucketPolicy":                   NotFound,
	"NoSuchKey":                            NotFound,
	"NoSuchPublicAccessBlockConfiguration": NotFound,
	"ServerSideEncryptionConfigurationNotFoundError": NotFound,
	"AccessDenied":                  AccessDenied,
	"AccessDeniedException":         AccessDenied,
	"Forbidden":                     AccessDenied,
	"InvalidAccessKeyId":            BadCredentials,
	"SignatureDoesNotMatch":         BadCredentials,
	"ExpiredToken":                  BadCredentials,
	"ExpiredTokenException":         BadCredentials,
	"InvalidClientTokenId":          BadCredentials,
	"RequestTimeTooSkewed":          BadCredentials,
	"UnrecognizedClientException":   BadCredentials,
	"AllAccessDisabled":             AccessDenied,
	"Throttling":                    Throttled,
	"ThrottlingException":           Throttled,
	"SlowDown":                      Throttled,
	"TooManyRequestsException":      Throttled,
	"RequestLimitExceeded":          Throttled,
	"ServiceQuotaExceededException": Throttled,
	"InternalError":                 ServerError,
	"InternalServerException":       ServerError,
	"ServiceUnavailable":            ServerError,
	"ServiceUnavailableException":   ServerError,
	"ConflictException":             Conflict,
	"OperationAborted":              Conflict,
	"PreconditionFailed":            Conflict,
	"ConditionalRequestConflict":    Conflict,
	"MalformedPolicy":               Invalid,
	"InvalidArgument":               Invalid,
	"InvalidRequest":                Invalid,
	"ValidationException":           Invalid,
	"InvalidBucketName":             Invalid,
	// Amazon Quick (service quicksight). AccessDeniedException (HTTP 401
	// there, not 403), ResourceNotFoundException, ThrottlingException and
	// ConflictException are above.
	"InvalidParameterValueException":      Invalid,
	"InvalidRequestException":             Invalid,
	"InvalidNextTokenException":           Invalid,
	"PreconditionNotMetException":         Invalid,
	"UnsupportedUserEditionException":     Invalid,
	"LimitExceededException":              LimitExceeded,
	"ResourceExistsException":             Conflict,
	"InternalFailureException":            ServerError,
	"ResourceUnavailableException":        ServerError,
	"InvalidSignatureException":           BadCredentials,
	"IncompleteSignatureException":        BadCredentials,
	"MissingAuthenticationTokenException": BadCredentials,
	"InvalidClientTokenException":         BadCredentials,
}

// Classify returns the kind of err. Unrecognised API errors are classified
// by HTTP status (404, 403, 429, 5xx); network and timeout errors are
// ServerError so they are retried.
func Classify(err error) Kind {
	if err == nil {
		return Unknown
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		if k, ok := codes[apiErr.ErrorCode()]; ok {
			return k
		}
	}
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) {
		switch s := respErr.HTTPStatusCode(); {
		case s == 404:
			return NotFound
		case s == 401 || s == 403:
			return AccessDenied
		case s == 409 || s == 412:
			return Conflict
		case s == 429 || s == 503:
			return Throttled
		case s >= 500:
			return ServerError
		case s == 400:
			return Invalid
		}
	}
	var maxAttempts *retry.MaxAttemptsError
	var netErr net.Error
	if errors.As(err, &maxAttempts) || errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded) {
		return ServerError
	}
	return Unknown
}

// Is reports whether err is of kind k.
func Is(err error, k Kind) bool { return err != nil && Classify(err) == k }

// Code returns the AWS error code of err, or "".
func Code(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// Operation returns the service and operation of a failed call, for example
// ("S3", "GetBucketPolicy"), or empty strings.
func Operation(err error) (service, operation string) {
	var opErr *smithy.OperationError
	if errors.As(err, &opErr) {
		return opErr.Service(), opErr.Operation()
	}
	return "", ""
}

// iamActions maps an SDK operation to the IAM action that authorises it,
// where the two names differ or the prefix is not obvious.
var iamActions = map[string]string{
	"S3.GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
	"S3.GetBucketEncryption":  "s3:GetEncryptionConfiguration",
	"S3.ListObjectsV2":        "s3:ListBucket",
	"S3.HeadObject":           "s3:GetObject",
	"S3.HeadBucket":           "s3:ListBucket",
}

// servicePrefixes maps SDK service names to IAM action prefixes.
var servicePrefixes = map[string]string{
	"S3": "s3", "S3Vectors": "s3vectors", "STS": "sts", "Bedrock Agent": "bedrock",
}

// MissingPermission names the IAM action kbwarden's role lacks for a failed
// call, for example "s3:GetBucketPolicy", so the condition can say exactly
// what to add to the controller's policy.
func MissingPermission(err error) string {
	service, op := Operation(err)
	if op == "" {
		return ""
	}
	return IAMAction(service, op)
}

// IAMAction returns the IAM action that authorises an SDK operation of a
// service (the SDK's service ID, for example "S3" or "Bedrock Agent").
func IAMAction(service, op string) string {
	if a, ok := iamActions[service+"."+op]; ok {
		return a
	}
	prefix, ok := servicePrefixes[service]
	if !ok {
		prefix = strings.ToLower(strings.ReplaceAll(service, " ", ""))
	}
	return prefix + ":" + op
}

// Describe is a short human-readable account of err for condition messages:
// the call, the code, and AWS's message, without the SDK's request IDs.
func Describe(err error) string {
	service, op := Operation(err)
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		msg := apiErr.ErrorMessage()
		if msg == "" {
			msg = apiErr.ErrorCode()
		} else {
			msg = apiErr.ErrorCode() + ": " + msg
		}
		if op != "" {
			return fmt.Sprintf("%s %s: %s", service, op, msg)
		}
		return msg
	}
	return err.Error()
}
