package awserr

import (
	"context"
	"errors"
	"fmt"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"net/http"
)

// apiErr builds the error shape the SDK returns: an OperationError around a
// ResponseError around the service's API error.
func apiErr(service, op, code string, status int) error {
	return &smithy.OperationError{ServiceID: service, OperationName: op, Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
			Err: &smithy.GenericAPIError{Code: code, Message: "msg"}}}}
}

func TestClassify(t *testing.T) {
	tests := map[string]struct {
		err  error
		want Kind
	}{
		"nil":                        {nil, Unknown},
		"missing bucket":             {apiErr("S3", "GetBucketPolicy", "NoSuchBucket", 404), NotFound},
		"s3 vectors not found":       {apiErr("S3Vectors", "GetVectorBucketPolicy", "NotFoundException", 404), NotFound},
		"access denied":              {apiErr("S3", "PutBucketPolicy", "AccessDenied", 403), AccessDenied},
		"bedrock access denied":      {apiErr("Bedrock Agent", "StartIngestionJob", "AccessDeniedException", 403), AccessDenied},
		"expired token":              {apiErr("S3", "GetBucketPolicy", "ExpiredToken", 400), BadCredentials},
		"clock skew":                 {apiErr("S3", "GetBucketPolicy", "RequestTimeTooSkewed", 403), BadCredentials},
		"slow down":                  {apiErr("S3", "PutObject", "SlowDown", 503), Throttled},
		"throttling":                 {apiErr("Bedrock Agent", "StartIngestionJob", "ThrottlingException", 429), Throttled},
		"internal error":             {apiErr("S3", "GetObject", "InternalError", 500), ServerError},
		"conflict":                   {apiErr("Bedrock Agent", "StartIngestionJob", "ConflictException", 409), Conflict},
		"precondition failed":        {apiErr("S3", "PutObject", "PreconditionFailed", 412), Conflict},
		"malformed policy":           {apiErr("S3", "PutBucketPolicy", "MalformedPolicy", 400), Invalid},
		"quick invalid parameter":    {apiErr("QuickSight", "CreateKnowledgeBaseRefreshSchedule", "InvalidParameterValueException", 400), Invalid},
		"quick second schedule":      {apiErr("QuickSight", "CreateKnowledgeBaseRefreshSchedule", "LimitExceededException", 409), LimitExceeded},
		"quick not found":            {apiErr("QuickSight", "DescribeKnowledgeBase", "ResourceNotFoundException", 404), NotFound},
		"quick throttling":           {apiErr("QuickSight", "DescribeKnowledgeBase", "ThrottlingException", 429), Throttled},
		"quick access denied, 401":   {apiErr("QuickSight", "DescribeKnowledgeBase", "AccessDeniedException", 401), AccessDenied},
		"quick unknown code, 401":    {apiErr("QuickSight", "DescribeKnowledgeBase", "Weird", 401), AccessDenied},
		"quick internal failure":     {apiErr("QuickSight", "DescribeKnowledgeBase", "InternalFailureException", 500), ServerError},
		"quick bad signature":        {apiErr("QuickSight", "DescribeKnowledgeBase", "InvalidSignatureException", 403), BadCredentials},
		"quick no signature":         {apiErr("QuickSight", "DescribeKnowledgeBase", "MissingAuthenticationTokenException", 403), BadCredentials},
		"quick incomplete signature": {apiErr("QuickSight", "DescribeKnowledgeBase", "IncompleteSignatureException", 403), BadCredentials},
		"quick unrecognized client":  {apiErr("QuickSight", "DescribeKnowledgeBase", "UnrecognizedClientException", 403), BadCredentials},
		"unknown code, status 503":   {apiErr("S3", "GetObject", "Weird", 503), Throttled},
		"unknown code, status 502":   {apiErr("S3", "GetObject", "Weird", 502), ServerError},
		"unknown code, status 404":   {apiErr("S3", "GetObject", "Weird", 404), NotFound},
		"deadline":                   {fmt.Errorf("x: %w", context.DeadlineExceeded), ServerError},
		"plain error":                {errors.New("boom"), Unknown},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Classify(tc.err); got != tc.want {
				t.Fatalf("Classify = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestMissingPermission(t *testing.T) {
	tests := map[string]struct {
		err  error
		want string
	}{
		"same name":           {apiErr("S3", "GetBucketPolicy", "AccessDenied", 403), "s3:GetBucketPolicy"},
		"renamed action":      {apiErr("S3", "GetBucketEncryption", "AccessDenied", 403), "s3:GetEncryptionConfiguration"},
		"public access block": {apiErr("S3", "GetPublicAccessBlock", "AccessDenied", 403), "s3:GetBucketPublicAccessBlock"},
		"list objects":        {apiErr("S3", "ListObjectsV2", "AccessDenied", 403), "s3:ListBucket"},
		"s3 vectors":          {apiErr("S3Vectors", "PutVectorBucketPolicy", "AccessDeniedException", 403), "s3vectors:PutVectorBucketPolicy"},
		"bedrock agent":       {apiErr("Bedrock Agent", "StartIngestionJob", "AccessDeniedException", 403), "bedrock:StartIngestionJob"},
		"quick":               {apiErr("QuickSight", "DescribeKnowledgeBase", "AccessDeniedException", 401), "quicksight:DescribeKnowledgeBase"},
		"not an AWS call":     {errors.New("boom"), ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := MissingPermission(tc.err); got != tc.want {
				t.Fatalf("MissingPermission = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDescribeOmitsRequestIDs(t *testing.T) {
	got := Describe(apiErr("S3", "GetBucketPolicy", "AccessDenied", 403))
	if want := "S3 GetBucketPolicy: AccessDenied: msg"; got != want {
		t.Fatalf("Describe = %q, want %q", got, want)
	}
}
