package testenv

import "testing"

// TestPolicyDocumentAllows: the evaluator the IAM coverage checks use tells
// a bucket from its objects, honours wildcards per ARN segment, an explicit
// Deny, and takes no conditional statement as allowing.
func TestPolicyDocumentAllows(t *testing.T) {
	p := &PolicyDocument{Name: "test", Statements: []PolicyStatement{
		{Sid: "Bucket", Effect: "Allow", Action: stringList{"s3:ListBucket", "s3:GetBucket*"}, Resource: stringList{"arn:aws:s3:::team-a-*"}},
		{Sid: "Exact", Effect: "Allow", Action: stringList{"s3:ListBucket"}, Resource: stringList{"arn:aws:s3:::exact"}},
		{Sid: "Objects", Effect: "Allow", Action: stringList{"s3:GetObject"}, Resource: stringList{"arn:aws:s3:::team-a-*/*"}},
		{Sid: "Kb", Effect: "Allow", Action: stringList{"bedrock:GetIngestionJob"}, Resource: stringList{"arn:aws:bedrock:*:123456789012:knowledge-base/KB????????"}},
		{Sid: "Shared", Effect: "Allow", Action: stringList{"s3:ListBucket"}, Resource: stringList{"arn:aws:s3:::shared"},
			Condition: map[string]any{"StringLike": map[string]any{"s3:prefix": "team-a/*"}}},
		{Sid: "NoSecrets", Effect: "Deny", Action: stringList{"s3:GetObject"}, Resource: stringList{"arn:aws:s3:::team-a-*/secret/*"}},
	}}
	tests := map[string]struct {
		action, resource string
		want             bool
	}{
		"bucket action on the bucket":                         {"s3:ListBucket", "arn:aws:s3:::team-a-docs", true},
		"action names are case-insensitive":                   {"S3:listbucket", "arn:aws:s3:::team-a-docs", true},
		"action wildcard":                                     {"s3:GetBucketPolicy", "arn:aws:s3:::team-a-docs", true},
		"bucket action on an object":                          {"s3:ListBucket", "arn:aws:s3:::exact/x", false},
		"a pattern ending in * covers objects too, as in IAM": {"s3:ListBucket", "arn:aws:s3:::team-a-docs/x", true},
		"object action on the bucket":                         {"s3:GetObject", "arn:aws:s3:::team-a-docs", false},
		"object action on an object":                          {"s3:GetObject", "arn:aws:s3:::team-a-docs/docs/a.pdf", true},
		"another team's bucket":                               {"s3:ListBucket", "arn:aws:s3:::team-b-docs", false},
		"ARNs are case-sensitive":                             {"s3:ListBucket", "arn:aws:s3:::TEAM-A-docs", false},
		"an explicit deny wins":                               {"s3:GetObject", "arn:aws:s3:::team-a-docs/secret/k", false},
		"a region wildcard stays in its segment":              {"bedrock:GetIngestionJob", "arn:aws:bedrock:us-east-1:123456789012:knowledge-base/KBTEAMA001", true},
		"another account":                                     {"bedrock:GetIngestionJob", "arn:aws:bedrock:us-east-1:999999999999:knowledge-base/KBTEAMA001", false},
		"? is one character":                                  {"bedrock:GetIngestionJob", "arn:aws:bedrock:us-east-1:123456789012:knowledge-base/KBTEAMA0011", false},
		"a conditional statement allows nothing":              {"s3:ListBucket", "arn:aws:s3:::shared", false},
		"an action no statement names":                        {"s3:PutObject", "arn:aws:s3:::team-a-docs/x", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got, why := p.Allows(tc.action, tc.resource); got != tc.want {
				t.Errorf("Allows(%s, %s) = %v (%s), want %v", tc.action, tc.resource, got, why, tc.want)
			}
		})
	}
}

// TestLoadPolicyExpandsPlaceholders: a placeholder with several values
// becomes one resource per value.
func TestLoadPolicyExpandsPlaceholders(t *testing.T) {
	p, err := LoadPolicy("controller-policy.json", map[string][]string{
		"KB_BUCKET_PATTERN": {"kb-a-*", "kb-b"}, "DOCS_BUCKET_PATTERN": {"docs"}, "ACCOUNT_ID": {AccountID},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"arn:aws:s3:::kb-a-1", "arn:aws:s3:::kb-b"} {
		if ok, why := p.Allows("s3:PutBucketPolicy", r); !ok {
			t.Errorf("PutBucketPolicy on %s: %s", r, why)
		}
	}
	if ok, _ := p.Allows("s3:PutBucketPolicy", "arn:aws:s3:::docs"); ok {
		t.Error("the documents bucket's policy is not kbwarden's to write")
	}
}
