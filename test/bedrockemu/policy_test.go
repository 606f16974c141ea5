package bedrockemu

import (
	"strings"
	"testing"
)

// bedrockPut is the request the runbook is about: Bedrock writing an
// embedding into the vector bucket on behalf of knowledge base KBTEST0001.
func bedrockPut() Request {
	return Request{
		PrincipalType: "Service", Principal: "bedrock.amazonaws.com",
		Action: "s3:PutObject", Resource: "arn:aws:s3:::vec/embeddings/KBTEST0001/doc.json",
		Context: map[string][]string{
			"aws:SourceAccount": {"123456789012"},
			"aws:SourceArn":     {"arn:aws:bedrock:us-east-1:123456789012:knowledge-base/KBTEST0001"},
		},
	}
}

// stmt builds a one-statement policy from statement members (JSON text).
func stmt(members string) string {
	return `{"Version": "2012-10-17", "Statement": {` + members + `}}`
}

const allowBedrock = `"Effect": "Allow", "Principal": {"Service": "bedrock.amazonaws.com"}, "Resource": "arn:aws:s3:::vec/*"`

func TestPolicyEvaluate(t *testing.T) {
	cases := []struct {
		name   string
		policy string
		req    func(r *Request)
		want   Decision
	}{
		{"runbook's corrected policy", correctedPolicy("vec"), nil, Allowed},
		{"runbook's faulty policy", faultyPolicy("vec"), nil, ImplicitDeny},
		{"action wildcard", stmt(allowBedrock + `, "Action": "s3:Put*"`), nil, Allowed},
		{"action match ignores case", stmt(allowBedrock + `, "Action": "S3:putobject"`), nil, Allowed},
		{"single-character wildcard", stmt(allowBedrock + `, "Action": "s3:PutObjec?"`), nil, Allowed},
		{"NotAction excluding the action", stmt(allowBedrock + `, "NotAction": "s3:PutObject"`), nil, ImplicitDeny},
		{"NotAction excluding something else", stmt(allowBedrock + `, "NotAction": ["s3:DeleteObject"]`), nil, Allowed},
		{"resource is case-sensitive", stmt(`"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "arn:aws:s3:::VEC/*"`), nil, ImplicitDeny},
		{"bucket ARN does not cover objects", stmt(`"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "arn:aws:s3:::vec"`), nil, ImplicitDeny},
		{"NotResource", stmt(`"Effect": "Allow", "Principal": "*", "Action": "*", "NotResource": "arn:aws:s3:::other/*"`), nil, Allowed},
		{"principal star", stmt(`"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"`), nil, Allowed},
		{"principal AWS star means everyone", stmt(`"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:*", "Resource": "*"`), nil, Allowed},
		{"role principal is not the service", stmt(`"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/Bedrock"}, "Action": "s3:*", "Resource": "*"`), nil, ImplicitDeny},
		{"another service", stmt(`"Effect": "Allow", "Principal": {"Service": ["s3.amazonaws.com"]}, "Action": "s3:*", "Resource": "*"`), nil, ImplicitDeny},
		{"NotPrincipal excluding the service", stmt(`"Effect": "Allow", "NotPrincipal": {"Service": "bedrock.amazonaws.com"}, "Action": "s3:*", "Resource": "*"`), nil, ImplicitDeny},
		{"no principal fails closed for Allow", stmt(`"Effect": "Allow", "Action": "s3:*", "Resource": "*"`), nil, ImplicitDeny},
		{"no resource fails closed for Allow", stmt(`"Effect": "Allow", "Principal": "*", "Action": "s3:*"`), nil, ImplicitDeny},
		{"explicit deny wins", `{"Statement": [{` + allowBedrock + `, "Action": "s3:*"}, {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "*"}]}`, nil, ExplicitDeny},
		{"deny that does not match", `{"Statement": [{` + allowBedrock + `, "Action": "s3:*"}, {"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket", "Resource": "*"}]}`, nil, Allowed},
		{"StringEquals other account", stmt(allowBedrock + `, "Action": "s3:*", "Condition": {"StringEquals": {"aws:SourceAccount": "999999999999"}}`), nil, ImplicitDeny},
		{"StringEquals any of the values", stmt(allowBedrock + `, "Action": "s3:*", "Condition": {"StringEquals": {"aws:SourceAccount": ["1", "123456789012"]}}`), nil, Allowed},
		{"StringEquals number value", stmt(allowBedrock + `, "Action": "s3:*", "Condition": {"StringEquals": {"aws:SourceAccount": 123456789012}}`), nil, Allowed},
		{"condition key is case-insensitive", stmt(allowBedrock + `, "Action": "s3:*", "Condition": {"StringEquals": {"AWS:SOURCEACCOUNT": "123456789012"}}`), nil, Allowed},
		{"StringEquals has no wildcards", stmt(allowBedrock + `, "Action": "s3:*", "Condition": {"StringEquals": {"aws:SourceAccount": "1234*"}}`), nil, ImplicitDeny},
		{"StringLike wildcard", stmt(allowBedrock + `, "Action": "s3:*", "Condition": {"StringLike": {"aws:SourceArn": "*:knowledge-base/KB*"}}`), nil, Allowed},
		{"StringNotEquals on a missing key is true", stmt(allowBedrock + `, "Action": "s3:*", "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-123"}}`), nil, Allowed},
		{"StringEquals on a missing key is false", stmt(allowBedrock + `, "Action": "s3:*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-123"}}`), nil, ImplicitDeny},
		{"IfExists on a missing key is true", stmt(allowBedrock + `, "Action": "s3:*", "Condition": {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-123"}}`), nil, Allowed},
		{"ArnLike other knowledge base", stmt(allowBedrock + `, "Action": "s3:*", "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:bedrock:us-east-1:123456789012:knowledge-base/KBOTHER001"}}`), nil, ImplicitDeny},
		{"ArnLike wildcard region", stmt(allowBedrock + `, "Action": "s3:*", "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:bedrock:*:123456789012:knowledge-base/*"}}`), nil, Allowed},
		{"ArnEquals accepts wildcards too", stmt(allowBedrock + `, "Action": "s3:*", "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:bedrock:us-east-1:123456789012:knowledge-base/*"}}`), nil, Allowed},
		{"ArnLike needs six parts", stmt(allowBedrock + `, "Action": "s3:*", "Condition": {"ArnLike": {"aws:SourceArn": "*"}}`), nil, ImplicitDeny},
		{"ArnNotLike", stmt(allowBedrock + `, "Action": "s3:*", "Condition": {"ArnNotLike": {"aws:SourceArn": "arn:aws:bedrock:*:*:agent/*"}}`), nil, Allowed},
		{"unknown operator fails closed for Allow", stmt(allowBedrock + `, "Action": "s3:*", "Condition": {"StringSoundsLike": {"aws:SourceAccount": "123456789012"}}`), nil, ImplicitDeny},
		{"unknown operator fails closed for Deny", `{"Statement": [{` + allowBedrock + `, "Action": "s3:*"}, {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}}]}`, nil, ExplicitDeny},
		{"deny insecure transport does not hit TLS", `{"Statement": [{` + allowBedrock + `, "Action": "s3:*"}, {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": false}}}]}`,
			func(r *Request) { r.Context["aws:SecureTransport"] = []string{"true"} }, Allowed},
		{"Null: key absent", stmt(allowBedrock + `, "Action": "s3:*", "Condition": {"Null": {"aws:SourceVpce": "true"}}`), nil, Allowed},
		{"Null: key present", stmt(allowBedrock + `, "Action": "s3:*", "Condition": {"Null": {"aws:SourceArn": "true"}}`), nil, ImplicitDeny},
		{"NumericLessThan", stmt(allowBedrock + `, "Action": "s3:*", "Condition": {"NumericLessThan": {"s3:TlsVersion": 1.2}}`),
			func(r *Request) { r.Context["s3:TlsVersion"] = []string{"1.3"} }, ImplicitDeny},
		{"NotIpAddress on a missing key is true", `{"Statement": [{` + allowBedrock + `, "Action": "s3:*"}, {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]}`, nil, ExplicitDeny},
		{"IpAddress in range", stmt(allowBedrock + `, "Action": "s3:*", "Condition": {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}}`),
			func(r *Request) { r.Context["aws:SourceIp"] = []string{"10.1.2.3"} }, Allowed},
		{"ForAnyValue", stmt(allowBedrock + `, "Action": "s3:*", "Condition": {"ForAnyValue:StringLike": {"aws:TagKeys": "team*"}}`),
			func(r *Request) { r.Context["aws:TagKeys"] = []string{"owner", "team-a"} }, Allowed},
		{"ForAllValues", stmt(allowBedrock + `, "Action": "s3:*", "Condition": {"ForAllValues:StringLike": {"aws:TagKeys": "team*"}}`),
			func(r *Request) { r.Context["aws:TagKeys"] = []string{"owner", "team-a"} }, ImplicitDeny},
		{"ForAllValues on a missing key is true", stmt(allowBedrock + `, "Action": "s3:*", "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": "x"}}`), nil, Allowed},
		{"all condition blocks must hold", stmt(allowBedrock + `, "Action": "s3:*", "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}, "ArnLike": {"aws:SourceArn": "arn:aws:bedrock:*:*:agent/*"}}`), nil, ImplicitDeny},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := ParsePolicy(c.policy)
			if err != nil {
				t.Fatalf("ParsePolicy: %v\n%s", err, c.policy)
			}
			r := bedrockPut()
			if c.req != nil {
				c.req(&r)
			}
			if got := p.Evaluate(r); got != c.want {
				t.Errorf("Evaluate = %v, want %v", got, c.want)
			}
		})
	}
}

func TestParsePolicyErrors(t *testing.T) {
	cases := []struct{ name, policy, want string }{
		{"not JSON", `{`, "not a JSON object"},
		{"array at top", `[]`, "not a JSON object"},
		{"no statement", `{"Version": "2012-10-17"}`, "no Statement"},
		{"unknown element", `{"Statement": [], "Extra": 1}`, "Extra: unknown element"},
		{"bad effect", stmt(`"Effect": "allow", "Principal": "*", "Action": "*", "Resource": "*"`), "Effect must be Allow or Deny"},
		{"no action", stmt(`"Effect": "Allow", "Principal": "*", "Resource": "*"`), "exactly one of Action and NotAction"},
		{"action and notaction", stmt(`"Effect": "Allow", "Principal": "*", "Action": "*", "NotAction": "*", "Resource": "*"`), "exactly one of Action"},
		{"resource and notresource", stmt(`"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*", "NotResource": "*"`), "exclusive"},
		{"principal string not star", stmt(`"Effect": "Allow", "Principal": "bedrock", "Action": "*", "Resource": "*"`), `must be "*"`},
		{"unknown principal type", stmt(`"Effect": "Allow", "Principal": {"User": "x"}, "Action": "*", "Resource": "*"`), "unknown principal type"},
		{"action null", stmt(`"Effect": "Allow", "Principal": "*", "Action": null, "Resource": "*"`), "must not be null"},
		{"action number", stmt(`"Effect": "Allow", "Principal": "*", "Action": 3, "Resource": "*"`), "string or an array"},
		{"condition not an object", stmt(`"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*", "Condition": []`), "must map operators"},
		{"condition value object", stmt(`"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"StringEquals": {"k": {}}}`), "strings, numbers or booleans"},
		{"trailing data", `{"Statement": []} {}`, "trailing data"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParsePolicy(c.policy)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("ParsePolicy error = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestWildcardMatch(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true}, {"", "", true}, {"", "a", false}, {"a*c", "abbbc", true}, {"a*c", "abbb", false},
		{"a?c", "abc", true}, {"a?c", "ac", false}, {"*.json", "x/y.json", true}, {"**a", "bba", true},
		{"é?", "éé", true}, {"a*b*c*d", "aXbXcXd", true}, {"a*b*c*d", "aXbXcX", false},
	}
	for _, c := range cases {
		if got := wildcardMatch(c.pattern, c.s, false); got != c.want {
			t.Errorf("wildcardMatch(%q, %q) = %v, want %v", c.pattern, c.s, got, c.want)
		}
	}
}
