package quick_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/kbwarden/kbwarden/internal/awserr"
	"github.com/kbwarden/kbwarden/internal/quick"
	"github.com/kbwarden/kbwarden/internal/quick/types"
	"github.com/kbwarden/kbwarden/test/quickemu"
)

// TestErrorsClassified: errors reach the caller as smithy.APIError wrapped
// in a smithy.OperationError, with the HTTP status, so internal/awserr
// classifies them and names the missing IAM action.
func TestErrorsClassified(t *testing.T) {
	daily := &types.KnowledgeBaseRefreshFrequency{Interval: types.KbRefreshIntervalDaily}
	cases := map[string]struct {
		fault  string // injected for the operation, if set
		call   func(context.Context, *quick.Client) error
		code   string
		status int
		kind   awserr.Kind
		op     string
	}{
		"unknown knowledge base": {
			call: func(ctx context.Context, c *quick.Client) error {
				_, err := c.DescribeKnowledgeBase(ctx, &quick.DescribeKnowledgeBaseInput{AwsAccountId: aws.String(acct), KnowledgeBaseId: aws.String("nope")})
				return err
			},
			code: "ResourceNotFoundException", status: 404, kind: awserr.NotFound, op: "DescribeKnowledgeBase",
		},
		"unknown schedule": {
			call: func(ctx context.Context, c *quick.Client) error {
				_, err := c.DescribeKnowledgeBaseRefreshSchedule(ctx, &quick.DescribeKnowledgeBaseRefreshScheduleInput{AwsAccountId: aws.String(acct), KnowledgeBaseId: aws.String("kb"), ScheduleId: aws.String("x")})
				return err
			},
			code: "ResourceNotFoundException", status: 404, kind: awserr.NotFound, op: "DescribeKnowledgeBaseRefreshSchedule",
		},
		"second schedule": {
			call: func(ctx context.Context, c *quick.Client) error {
				in := &quick.CreateKnowledgeBaseRefreshScheduleInput{AwsAccountId: aws.String(acct), KnowledgeBaseId: aws.String("kb"), ScheduleFrequency: daily}
				if _, err := c.CreateKnowledgeBaseRefreshSchedule(ctx, in); err != nil {
					return err
				}
				_, err := c.CreateKnowledgeBaseRefreshSchedule(ctx, in)
				return err
			},
			code: "LimitExceededException", status: 409, kind: awserr.LimitExceeded, op: "CreateKnowledgeBaseRefreshSchedule",
		},
		"hourly without the account feature": {
			call: func(ctx context.Context, c *quick.Client) error {
				_, err := c.CreateKnowledgeBaseRefreshSchedule(ctx, &quick.CreateKnowledgeBaseRefreshScheduleInput{AwsAccountId: aws.String(acct), KnowledgeBaseId: aws.String("kb"),
					ScheduleFrequency: &types.KnowledgeBaseRefreshFrequency{Interval: types.KbRefreshIntervalHourly}})
				return err
			},
			// Not in awserr's table yet: classified by its 400.
			code: "InvalidParameterValueException", status: 400, kind: awserr.Invalid, op: "CreateKnowledgeBaseRefreshSchedule",
		},
		"access denied is 401 in Quick": {
			fault: "AccessDeniedException",
			call: func(ctx context.Context, c *quick.Client) error {
				_, err := c.ListKnowledgeBaseRefreshSchedules(ctx, &quick.ListKnowledgeBaseRefreshSchedulesInput{AwsAccountId: aws.String(acct), KnowledgeBaseId: aws.String("kb")})
				return err
			},
			code: "AccessDeniedException", status: 401, kind: awserr.AccessDenied, op: "ListKnowledgeBaseRefreshSchedules",
		},
		"conflict": {
			fault: "ConflictException",
			call: func(ctx context.Context, c *quick.Client) error {
				_, err := c.ListKnowledgeBaseRefreshSchedules(ctx, &quick.ListKnowledgeBaseRefreshSchedulesInput{AwsAccountId: aws.String(acct), KnowledgeBaseId: aws.String("kb")})
				return err
			},
			code: "ConflictException", status: 409, kind: awserr.Conflict, op: "ListKnowledgeBaseRefreshSchedules",
		},
		"throttled past the retries": {
			fault: "ThrottlingException",
			call: func(ctx context.Context, c *quick.Client) error {
				_, err := c.ListKnowledgeBaseRefreshSchedules(ctx, &quick.ListKnowledgeBaseRefreshSchedulesInput{AwsAccountId: aws.String(acct), KnowledgeBaseId: aws.String("kb")},
					func(o *quick.Options) { o.RetryMaxAttempts = 1 })
				return err
			},
			code: "ThrottlingException", status: 429, kind: awserr.Throttled, op: "ListKnowledgeBaseRefreshSchedules",
		},
		"server error past the retries": {
			fault: "InternalFailureException",
			call: func(ctx context.Context, c *quick.Client) error {
				_, err := c.DescribeKnowledgeBase(ctx, &quick.DescribeKnowledgeBaseInput{AwsAccountId: aws.String(acct), KnowledgeBaseId: aws.String("kb")},
					func(o *quick.Options) { o.RetryMaxAttempts = 1 })
				return err
			},
			code: "InternalFailureException", status: 500, kind: awserr.ServerError, op: "DescribeKnowledgeBase",
		},
		"signed for another region": {
			call: func(ctx context.Context, c *quick.Client) error {
				_, err := c.DescribeKnowledgeBase(ctx, &quick.DescribeKnowledgeBaseInput{AwsAccountId: aws.String(acct), KnowledgeBaseId: aws.String("kb")},
					func(o *quick.Options) { o.Region = "eu-west-1" })
				return err
			},
			// A signature AWS refuses is a credentials problem, not a
			// missing IAM permission.
			code: "InvalidSignatureException", status: 403, kind: awserr.BadCredentials, op: "DescribeKnowledgeBase",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srv, _ := emulator(t, "docs")
			if tc.fault != "" {
				if err := srv.FailNext(tc.op, 1, tc.fault); err != nil {
					t.Fatal(err)
				}
			}
			err := tc.call(ctx(t), client(t, srv))
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tc.code {
				t.Fatalf("got %v, want a smithy.APIError %s", err, tc.code)
			}
			var respErr *awshttp.ResponseError
			if !errors.As(err, &respErr) || respErr.HTTPStatusCode() != tc.status || respErr.ServiceRequestID() == "" {
				t.Errorf("got %v, want an HTTP %d response error with a request ID", err, tc.status)
			}
			if k := awserr.Classify(err); k != tc.kind {
				t.Errorf("classified %s, want %s", k, tc.kind)
			}
			if service, op := awserr.Operation(err); service != quick.ServiceID || op != tc.op {
				t.Errorf("operation %s %s, want %s %s", service, op, quick.ServiceID, tc.op)
			}
			if got, want := awserr.MissingPermission(err), "quicksight:"+tc.op; got != want {
				t.Errorf("MissingPermission %q, want %q", got, want)
			}
		})
	}
}

// TestRetriesThrottling: the SDK's standard retryer retries Quick's
// ThrottlingException and 5xx, and each attempt is signed afresh.
func TestRetriesThrottling(t *testing.T) {
	cases := map[string]struct {
		fault    string
		failures int
		maxTries int
		wantErr  bool
	}{
		"two throttles, third attempt succeeds": {"ThrottlingException", 2, 3, false},
		"a server error, then success":          {"InternalFailureException", 1, 3, false},
		"throttled on every attempt":            {"ThrottlingException", 5, 3, true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srv, _ := emulator(t, "docs")
			if err := srv.FailNext(quickemu.OpDescribeKnowledgeBase, tc.failures, tc.fault); err != nil {
				t.Fatal(err)
			}
			_, err := client(t, srv, func(o *quick.Options) { o.RetryMaxAttempts = tc.maxTries }).DescribeKnowledgeBase(ctx(t),
				&quick.DescribeKnowledgeBaseInput{AwsAccountId: aws.String(acct), KnowledgeBaseId: aws.String("kb")})
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v, want error %v", err, tc.wantErr)
			}
			if want := min(tc.failures+1, tc.maxTries); srv.CallCount(quickemu.OpDescribeKnowledgeBase) != want {
				t.Errorf("%d attempts, want %d", srv.CallCount(quickemu.OpDescribeKnowledgeBase), want)
			}
			if tc.wantErr && !awserr.Is(err, awserr.Throttled) {
				t.Errorf("classified %s, want Throttled", awserr.Classify(err))
			}
		})
	}
}

// TestValidation: a missing required member fails before any request, as
// the SDK's validators do.
func TestValidation(t *testing.T) {
	srv, _ := emulator(t, "docs")
	c := client(t, srv)
	_, err := c.DeleteKnowledgeBaseRefreshSchedule(ctx(t), &quick.DeleteKnowledgeBaseRefreshScheduleInput{AwsAccountId: aws.String(acct), KnowledgeBaseId: aws.String("kb")})
	var invalid *smithy.InvalidParamsError
	if !errors.As(err, &invalid) || invalid.Len() != 1 {
		t.Fatalf("got %v, want an InvalidParamsError for ScheduleId", err)
	}
	if _, err := c.DescribeKnowledgeBase(ctx(t), nil); !errors.As(err, &invalid) || invalid.Len() != 2 {
		t.Fatalf("nil input: got %v, want two missing members", err)
	}
	if n := srv.CallCount(quickemu.OpDeleteKnowledgeBaseRefreshSchedule) + srv.CallCount(quickemu.OpDescribeKnowledgeBase); n != 0 {
		t.Errorf("%d requests sent for invalid input", n)
	}
}
