// Package bedrockemu is a small emulator of the bedrock-agent API (the
// Amazon Bedrock knowledge base control plane) for tests and demos.
//
// moto emulates S3 and S3 Vectors but has no knowledge base data sources or
// ingestion jobs, so this package fills that gap. It speaks the real restJson1
// protocol (paths, methods, status codes, JSON field names and error
// headers taken from the AWS SDK's serializers), so the real
// aws-sdk-go-v2 bedrockagent client and the AWS CLI work against it
// unchanged, pointed at it with BaseEndpoint or --endpoint-url.
//
// Jobs are not simulated in a vacuum: when a job runs, the emulator reads
// the real documents bucket (on moto) to count documents and metadata
// sidecars, honours document-level ACLs with deny by default, and writes
// one small "embedding" per indexed document into the vector store, but
// only if the vector store's live resource policy lets the Bedrock service
// principal write there. A policy that lacks s3:PutObject therefore makes
// the job FAIL with an AccessDenied reason, which is exactly the incident of
// the project's runbook. The policy evaluator is this package's own, kept
// independent from the controller's code so a bug in one cannot hide a bug
// in the other.
//
// Job progress is computed from an injectable Clock: a job is STARTING for
// Config.StartingFor, IN_PROGRESS for Config.RunningFor, then COMPLETE or
// FAILED. The actual work (reading S3, writing embeddings) is done within
// the StartIngestionJob call, so the outcome reflects the buckets and
// policies as they were when the job started; the clock only decides when
// that outcome becomes visible. No goroutine is left running, and tests
// with a ManualClock are deterministic.
package bedrockemu
