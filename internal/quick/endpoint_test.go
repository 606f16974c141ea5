package quick_test

import (
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kbwarden/kbwarden/internal/quick"
	"github.com/kbwarden/kbwarden/test/quickemu"
)

// TestEndpointResolution: the client finds its endpoint the way the SDK's
// clients do, from config.LoadDefaultConfig: AWS_ENDPOINT_URL_QUICKSIGHT,
// else AWS_ENDPOINT_URL, with the service's variable winning over the
// global one and over aws.Config.BaseEndpoint, and a client option over all.
// The environment is process-wide, so these cases do not run in parallel.
func TestEndpointResolution(t *testing.T) {
	srv, _ := emulator(t, "docs")
	const nowhere = "http://127.0.0.1:1" // nothing listens there: a wrong pick fails
	cases := map[string]struct {
		env          map[string]string
		baseEndpoint string // aws.Config.BaseEndpoint, when set
		option       string // Options.BaseEndpoint, when set
	}{
		"AWS_ENDPOINT_URL_QUICKSIGHT":              {env: map[string]string{"AWS_ENDPOINT_URL_QUICKSIGHT": srv.URL()}},
		"AWS_ENDPOINT_URL":                         {env: map[string]string{"AWS_ENDPOINT_URL": srv.URL()}},
		"the service's variable over the global":   {env: map[string]string{"AWS_ENDPOINT_URL": nowhere, "AWS_ENDPOINT_URL_QUICKSIGHT": srv.URL()}},
		"the service's variable over BaseEndpoint": {env: map[string]string{"AWS_ENDPOINT_URL_QUICKSIGHT": srv.URL()}, baseEndpoint: nowhere},
		"aws.Config.BaseEndpoint":                  {baseEndpoint: srv.URL()},
		"the client option over everything":        {env: map[string]string{"AWS_ENDPOINT_URL_QUICKSIGHT": nowhere}, option: srv.URL()},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			unsetEnv(t, "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_QUICKSIGHT", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			cfg := awsConfig(t)
			if tc.baseEndpoint != "" {
				cfg.BaseEndpoint = aws.String(tc.baseEndpoint)
			}
			before := srv.CallCount(quickemu.OpDescribeKnowledgeBase)
			c := quick.NewFromConfig(cfg, func(o *quick.Options) {
				o.RetryMaxAttempts = 1
				if tc.option != "" {
					o.BaseEndpoint = aws.String(tc.option)
				}
			})
			if _, err := c.DescribeKnowledgeBase(ctx(t), &quick.DescribeKnowledgeBaseInput{AwsAccountId: aws.String(acct), KnowledgeBaseId: aws.String("kb")}); err != nil {
				t.Fatalf("endpoint %q: %v", aws.ToString(c.Options().BaseEndpoint), err)
			}
			if srv.CallCount(quickemu.OpDescribeKnowledgeBase) != before+1 {
				t.Error("the call did not reach the emulator")
			}
		})
	}
}

// TestDefaultEndpoint: without any setting, the regional endpoint.
func TestDefaultEndpoint(t *testing.T) {
	unsetEnv(t, "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_QUICKSIGHT")
	c := quick.NewFromConfig(awsConfig(t))
	if ep := c.Options().BaseEndpoint; ep != nil {
		t.Fatalf("BaseEndpoint %q, want none (the regional default)", *ep)
	}
}

// unsetEnv unsets variables for the test: set-but-empty is not unset for
// the SDK's rule that the global AWS_ENDPOINT_URL alone is already in
// BaseEndpoint. t.Setenv first, so the values come back afterwards.
func unsetEnv(t *testing.T, keys ...string) {
	for _, k := range keys {
		t.Setenv(k, "")
		if err := os.Unsetenv(k); err != nil {
			t.Fatal(err)
		}
	}
}
