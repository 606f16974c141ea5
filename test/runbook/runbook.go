// Package runbook holds the policies of the runbook the product was born
// from (shared/seeds, INC-2025-KB-001), verbatim but for its comments and
// annotations, which are not JSON. Unit tests, integration tests and the
// demo share them, so they all replay the same incident.
package runbook

// The runbook's vector bucket and account.
const (
	Bucket  = "sidekick-kb-vectors-dev-275666109134"
	Account = "275666109134"
)

// FaultyStatement is the statement after the bad deployment: no
// s3:PutObject (nor s3:DeleteObject), so every sync fails with 403.
const FaultyStatement = `{
      "Sid": "BedrockKnowledgeBaseAccess",
      "Effect": "Allow",
      "Principal": {
        "Service": "bedrock.amazonaws.com"
      },
      "Action": [
        "s3:GetObject",
        "s3:ListBucket"
      ],
      "Resource": [
        "arn:aws:s3:::sidekick-kb-vectors-dev-275666109134",
        "arn:aws:s3:::sidekick-kb-vectors-dev-275666109134/*"
      ],
      "Condition": {
        "StringEquals": {
          "aws:SourceAccount": "275666109134"
        },
        "ArnLike": {
          "aws:SourceArn": "arn:aws:bedrock:us-east-1:275666109134:knowledge-base/*"
        }
      }
    }`

// ExpectedStatement is the runbook's "Expected Correct Policy" statement.
const ExpectedStatement = `{
      "Sid": "BedrockKnowledgeBaseAccess",
      "Effect": "Allow",
      "Principal": {
        "Service": "bedrock.amazonaws.com"
      },
      "Action": [
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:ListBucket"
      ],
      "Resource": [
        "arn:aws:s3:::sidekick-kb-vectors-dev-275666109134",
        "arn:aws:s3:::sidekick-kb-vectors-dev-275666109134/*"
      ],
      "Condition": {
        "StringEquals": {
          "aws:SourceAccount": "275666109134"
        },
        "ArnLike": {
          "aws:SourceArn": "arn:aws:bedrock:us-east-1:275666109134:knowledge-base/*"
        }
      }
    }`

// FaultyPolicy and ExpectedPolicy are the runbook's two policies, laid out
// as it prints them.
const (
	FaultyPolicy   = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    " + FaultyStatement + "\n  ]\n}"
	ExpectedPolicy = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    " + ExpectedStatement + "\n  ]\n}"
)
