package quickemu

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	clocktesting "k8s.io/utils/clock/testing"
)

// TestProtocolErrors checks what any client sees before an operation runs:
// the signature, the account label and unknown routes, with Quick's error
// shapes (X-Amzn-ErrorType in coral form, Message and RequestId).
func TestProtocolErrors(t *testing.T) {
	srv, err := New(Config{Clock: clocktesting.NewFakeClock(epoch0)})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.AddKnowledgeBase(KnowledgeBase{AccountID: acct, ID: "kb", Bucket: "b"}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	const path = "/v1/accounts/" + acct + "/knowledge-bases/kb"

	cases := map[string]struct {
		path    string
		service string // "" leaves the request unsigned
		region  string
		status  int
		code    string
	}{
		"signed for quicksight":      {path: path, service: "quicksight", region: "us-east-1", status: 200},
		"unsigned":                   {path: path, status: 403, code: "MissingAuthenticationTokenException"},
		"signed for another service": {path: path, service: "s3", region: "us-east-1", status: 403, code: "InvalidSignatureException"},
		"signed for another region":  {path: path, service: "quicksight", region: "eu-west-1", status: 403, code: "InvalidSignatureException"},
		"account is not 12 digits":   {path: "/v1/accounts/123/knowledge-bases/kb", service: "quicksight", region: "us-east-1", status: 400, code: "InvalidParameterValueException"},
		"unknown knowledge base":     {path: "/v1/accounts/" + acct + "/knowledge-bases/nope", service: "quicksight", region: "us-east-1", status: 404, code: "ResourceNotFoundException"},
		"no such operation":          {path: "/v1/accounts/" + acct + "/knowledge-bases/kb/ingestions", service: "quicksight", region: "us-east-1", status: 404, code: "UnknownOperationException"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, ts.URL+tc.path, nil)
			if tc.service != "" {
				sum := sha256.Sum256(nil)
				creds := aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"}
				if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), tc.service, tc.region, epoch0); err != nil {
					t.Fatal(err)
				}
			}
			resp, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d (%v)", resp.StatusCode, tc.status, body)
			}
			if tc.code == "" {
				return
			}
			if got, _, _ := strings.Cut(resp.Header.Get("X-Amzn-ErrorType"), ":"); got != tc.code {
				t.Errorf("X-Amzn-ErrorType %q, want %s", resp.Header.Get("X-Amzn-ErrorType"), tc.code)
			}
			if body["Message"] == "" || body["RequestId"] != resp.Header.Get("X-Amzn-Requestid") {
				t.Errorf("body %v lacks Message or the RequestId of the header", body)
			}
		})
	}
}
