// Package ingestion holds the pure parts of kbwarden's ingestion step: when
// a job is due and why (Decide), the deterministic clientToken and
// description a job is started with (ClientToken, Description), how long to
// wait before looking at a running job again (PollDelay), and the fair,
// rate-limited queue that StartIngestionJob calls of one account go through
// (Queue), which wakes the KnowledgeBase whose turn came instead of having
// waiting ones poll. Nothing here calls AWS or Kubernetes, and time comes
// from an injected clock, so all of it is tested against a fake clock.
package ingestion
