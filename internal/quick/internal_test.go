package quick

import (
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
)

func TestEndpointURL(t *testing.T) {
	cases := map[string]struct {
		opts Options
		want string
		err  bool
	}{
		"regional":         {Options{Region: "eu-west-1"}, "https://quicksight.eu-west-1.amazonaws.com", false},
		"China":            {Options{Region: "cn-north-1"}, "https://quicksight.cn-north-1.amazonaws.com.cn", false},
		"base endpoint":    {Options{Region: "eu-west-1", BaseEndpoint: aws.String("http://127.0.0.1:9/x")}, "http://127.0.0.1:9/x", false},
		"no region":        {Options{}, "", true},
		"relative address": {Options{BaseEndpoint: aws.String("localhost:9")}, "", true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			u, err := endpointURL(tc.opts)
			if (err != nil) != tc.err || (err == nil && u.String() != tc.want) {
				t.Fatalf("got %v, %v; want %q (error %v)", u, err, tc.want, tc.err)
			}
		})
	}
}

// TestParseError: the code comes from the header, else the body, without
// namespace or coral suffix, as the SDK's restJson deserializers read it.
func TestParseError(t *testing.T) {
	cases := map[string]struct {
		header, body string
		status       int
		code, msg    string
		fault        smithy.ErrorFault
	}{
		"coral header":       {"ThrottlingException:http://internal.amazon.com/coral/com.amazonaws.quicksight/", `{"Message":"slow"}`, 429, "ThrottlingException", "slow", smithy.FaultClient},
		"__type with prefix": {"", `{"__type":"com.amazonaws.quicksight#ConflictException","message":"busy"}`, 409, "ConflictException", "busy", smithy.FaultClient},
		"code member":        {"", `{"code":"InternalFailureException"}`, 500, "InternalFailureException", "", smithy.FaultServer},
		"nothing usable":     {"", `<html>`, 502, "UnknownError", "", smithy.FaultServer},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resp := &http.Response{StatusCode: tc.status, Header: http.Header{}}
			if tc.header != "" {
				resp.Header.Set("X-Amzn-ErrorType", tc.header)
			}
			err := parseError(resp, []byte(tc.body)).(*smithy.GenericAPIError)
			if err.Code != tc.code || err.Message != tc.msg || err.Fault != tc.fault {
				t.Fatalf("got %+v, want %s %q %v", err, tc.code, tc.msg, tc.fault)
			}
		})
	}
}
