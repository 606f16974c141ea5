package ingestion

import (
	"fmt"
	"time"
)

// Trigger says why an ingestion job started; it is what status.ingestion
// jobs and the jobs-started metric report.
type Trigger string

// Triggers, as written in status.ingestion.lastJob.trigger.
const (
	// TriggerChanged: the ACL files or the documents changed.
	TriggerChanged Trigger = "Changed"
	// TriggerInterval: ingestion.interval passed since the last successful
	// job (or kbwarden knows of no job at all).
	TriggerInterval Trigger = "Interval"
	// TriggerManual: the kbwarden.io/requested-at annotation has a new token.
	TriggerManual Trigger = "Manual"
	// TriggerRepair: the last job failed for a cause that has been repaired.
	TriggerRepair Trigger = "Repair"
	// TriggerExternal: someone else started the job.
	TriggerExternal Trigger = "External"
)

// JobRef is what one started job was for: the ACL files and documents it
// ingests. Empty values are unknown.
type JobRef struct {
	ID          string
	ACLHash     string
	Fingerprint string
	// RulesHash is the hash of the declared access control the job was
	// started under.
	RulesHash string
	StartedAt time.Time
}

// Inputs are what Decide looks at. The zero values of the optional fields
// mean "unknown" and never trigger a job on their own.
type Inputs struct {
	Now      time.Time
	OnChange bool
	Debounce time.Duration
	Interval time.Duration

	// ACLHash and Fingerprint are the current ACL files' hash and documents'
	// fingerprint; DocumentsChangedAt is when Fingerprint was first seen.
	ACLHash            string
	Fingerprint        string
	DocumentsChangedAt time.Time
	// RulesHash is the hash of the declared access control now.
	RulesHash string

	// Last is the last job started (by kbwarden or anybody else); nil when
	// none is known. LastSuccessEnd is when the last COMPLETE job ended.
	Last           *JobRef
	LastSuccessEnd time.Time

	// ManualToken is a kbwarden.io/requested-at token not yet handled.
	ManualToken string
	// RepairReady says the last job failed for a cause that was repaired since.
	RepairReady bool
}

// Decision is what Decide concluded.
type Decision struct {
	// Trigger is why a job is due now, "" when none is.
	Trigger Trigger
	// Cause tells two jobs of the same trigger apart in the clientToken
	// (the manual token, the failed job a repair follows).
	Cause string
	// Why explains the decision for conditions and logs.
	Why string
	// Wait, when no job is due, is how long a document change still has to
	// stay quiet before it starts one; 0 when nothing is debouncing.
	Wait time.Duration
	// NextScheduledAt is when the interval calls for the next job.
	NextScheduledAt time.Time
}

// Decide says whether a job is due and why. Manual requests come first, then
// a repair, then changes, then the interval: the first that applies names
// the job, and one job serves them all since every job ingests everything.
//
// Changes are compared with the last started job, not the last successful
// one: a job that failed already tried those values, and retrying it on
// every pass would hammer a cause that is still there. A failure is retried
// after a repair, on request, on a new change, or one interval after the
// failed attempt.
func Decide(in Inputs) Decision {
	d := Decision{NextScheduledAt: nextScheduled(in)}
	switch {
	case in.ManualToken != "":
		d.Trigger, d.Cause, d.Why = TriggerManual, in.ManualToken, fmt.Sprintf("manual request %q", in.ManualToken)
		return d
	case in.RepairReady && in.Last != nil:
		d.Trigger, d.Cause, d.Why = TriggerRepair, in.Last.ID, fmt.Sprintf("the cause of job %s's failure was repaired", in.Last.ID)
		return d
	}
	if in.OnChange && in.Last != nil {
		if in.ACLHash != "" && in.ACLHash != in.Last.ACLHash && !documentsOnly(in) {
			// kbwarden writes all ACL files of a rule change (or a repair
			// of drift) in one pass, so there is no burst to wait out:
			// enforce it now.
			d.Trigger, d.Why = TriggerChanged, "the ACL files changed"
			return d
		}
		if in.Fingerprint != "" && in.Fingerprint != in.Last.Fingerprint {
			quiet := in.Now.Sub(in.DocumentsChangedAt)
			if in.DocumentsChangedAt.IsZero() || quiet >= in.Debounce {
				d.Trigger, d.Why = TriggerChanged, "the documents changed"
				return d
			}
			d.Wait = in.Debounce - quiet
			d.Why = fmt.Sprintf("the documents changed; waiting until they have been quiet for %s", in.Debounce)
		}
	}
	if !in.Now.Before(d.NextScheduledAt) {
		d.Trigger, d.Wait = TriggerInterval, 0
		d.Why = "no successful job is known"
		if !in.LastSuccessEnd.IsZero() || in.Last != nil {
			d.Why = fmt.Sprintf("ingestion.interval (%s) has passed", in.Interval)
		}
	}
	return d
}

// documentsOnly reports whether the ACL files changed only because
// documents came or went (in PerDocument mode each new document gets a
// sidecar): the rules are the ones the last job was started under and the
// documents changed too. Such a change waits with the documents' debounce,
// so a burst of uploads starts one job; a rule change does not wait.
func documentsOnly(in Inputs) bool {
	return in.RulesHash != "" && in.RulesHash == in.Last.RulesHash &&
		in.Fingerprint != "" && in.Fingerprint != in.Last.Fingerprint
}

// nextScheduled is one interval after the later of the last successful
// job's end and the last attempt's start; now when no job is known.
func nextScheduled(in Inputs) time.Time {
	base := in.LastSuccessEnd
	if in.Last != nil && in.Last.StartedAt.After(base) {
		base = in.Last.StartedAt
	}
	if base.IsZero() {
		return in.Now
	}
	return base.Add(in.Interval)
}

// PollDelay is how long to wait before looking at a running job again: half
// its age, at least min and at most max, so a short job is seen ending
// soon and a long one costs a few calls an hour, with no state to keep.
func PollDelay(age, min, max time.Duration) time.Duration {
	d := age / 2
	if d < min {
		d = min
	}
	if d > max {
		d = max
	}
	return d
}
