// Package quickemu is a small emulator of the Amazon Quick (service
// quicksight, API 2018-04-01, restJson) knowledge base operations kbwarden
// calls, for tests and demos, beside test/bedrockemu.
//
// moto has no Quick, so this package fills the gap. It speaks the real
// protocol: the paths and methods of the API reference, JSON members with
// the model's names, timestamps as epoch seconds, HTTP 200 on success, and
// errors as Quick sends them (the X-Amzn-ErrorType header in its coral
// form, a body with Message and RequestId, and the model's statuses:
// ResourceNotFoundException 404, InvalidParameterValueException 400,
// LimitExceededException 409, ConflictException 409, ThrottlingException
// 429, AccessDeniedException 401). Every API request must be SigV4-signed
// for service quicksight in the emulator's region (its shape is checked,
// not its value). So the real client of internal/quick, and the AWS CLI,
// work against it unchanged, pointed at it with BaseEndpoint,
// AWS_ENDPOINT_URL_QUICKSIGHT or --endpoint-url.
//
// Operations: DescribeKnowledgeBase (with LatestIngestionSummary,
// FirstCompletedIngestionSummary, FirstIncompleteIngestionSummary) and
// Create, Update, Describe, Delete and ListKnowledgeBaseRefreshSchedules.
// The public API has no operation that starts, describes, lists or
// cancels an ingestion (see internal/quick's package documentation), so
// the emulator has none either. Ingestions start the two ways they do in
// Quick: when a refresh schedule comes due, and by a manual refresh, which
// is the console's and here the StartIngestion hook (and the admin
// endpoint of the standalone command, see AdminPrefix). One ingestion per
// knowledge base at a time (ConflictException), and a start quota per
// account (ThrottlingException), apply to StartIngestion; a schedule that
// comes due while one runs is skipped.
//
// Ingestions are not simulated in a vacuum: one reads the real documents
// bucket (on moto) when it starts and applies Quick's rules. With access
// control on, a document with no ACL entry is not ingested (deny by
// default); DENY wins over ALLOW; user names are email addresses matched
// without case; group names match exactly. The global ACL file
// ([{"keyPrefix": "s3://BUCKET/prefix/", "aclEntries": [{"Name", "Type",
// "Access"}]}]) and sidecars (<key>.metadata.json, next to the document
// or under a metadata folder, with an "AccessControlList") are read with
// exact member names. Tests then ask Retrievable which documents a user or
// group could retrieve from what the last finished ingestion published.
//
// Time comes from an injected clock (k8s.io/utils/clock): an ingestion is
// QUEUED for Config.QueuedFor, RUNNING for Config.RunningFor, then
// COMPLETED, INCOMPLETE (some documents' ACL unreadable) or FAILED (bucket
// or ACL file unreadable). Schedules come due on the same clock. The work
// is done when an ingestion starts (or, for a schedule, when the emulator
// first notices it is due: on the next request or query), and the clock
// decides when its outcome shows; no goroutine runs, so tests that move a
// fake clock are deterministic. For DAILY, WEEKLY and MONTHLY schedules
// the service picks the time of day; the emulator picks the StartTime's,
// or else that of the schedule's creation or last update.
package quickemu
