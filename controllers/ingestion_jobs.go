package controllers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagent"
	bt "github.com/aws/aws-sdk-go-v2/service/bedrockagent/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/awserr"
	"github.com/kbwarden/kbwarden/internal/ingestion"
)

// ingestionAPI is what the ingestion step needs of bedrock-agent; the SDK's
// *bedrockagent.Client provides it.
type ingestionAPI interface {
	StartIngestionJob(context.Context, *bedrockagent.StartIngestionJobInput, ...func(*bedrockagent.Options)) (*bedrockagent.StartIngestionJobOutput, error)
	GetIngestionJob(context.Context, *bedrockagent.GetIngestionJobInput, ...func(*bedrockagent.Options)) (*bedrockagent.GetIngestionJobOutput, error)
	ListIngestionJobs(context.Context, *bedrockagent.ListIngestionJobsInput, ...func(*bedrockagent.Options)) (*bedrockagent.ListIngestionJobsOutput, error)
}

// Job statuses, as Bedrock reports them.
const (
	jobComplete = string(bt.IngestionJobStatusComplete)
	jobFailed   = string(bt.IngestionJobStatusFailed)
	jobStopped  = string(bt.IngestionJobStatusStopped)
)

// jobRunning reports whether a job still holds the data source.
func jobRunning(j *kbv1.IngestionJob) bool {
	return j != nil && j.Status != jobComplete && j.Status != jobFailed && j.Status != jobStopped
}

// maxFailureReasons bounds what status keeps of a job's failure reasons
// (one per failed document on a large data source).
const maxFailureReasons = 10

// jobFromAPI converts a job as GetIngestionJob returns it. Provenance
// (trigger, aclHash, fingerprint) is taken from prev when it is the same
// job, else from the description kbwarden writes, else it is External.
func jobFromAPI(j *bt.IngestionJob, prev *kbv1.IngestionJob) *kbv1.IngestionJob {
	out := jobFromSummary(bt.IngestionJobSummary{IngestionJobId: j.IngestionJobId, Status: j.Status, StartedAt: j.StartedAt,
		UpdatedAt: j.UpdatedAt, Description: j.Description, Statistics: j.Statistics}, prev)
	for i, r := range j.FailureReasons {
		if i == maxFailureReasons {
			out.FailureReasons = append(out.FailureReasons, fmt.Sprintf("... and %d more", len(j.FailureReasons)-i))
			break
		}
		out.FailureReasons = append(out.FailureReasons, r)
	}
	return out
}

func jobFromSummary(s bt.IngestionJobSummary, prev *kbv1.IngestionJob) *kbv1.IngestionJob {
	out := &kbv1.IngestionJob{ID: aws.ToString(s.IngestionJobId), Status: string(s.Status),
		StartedAt: metaTime(s.StartedAt), UpdatedAt: metaTime(s.UpdatedAt), Trigger: string(ingestion.TriggerExternal)}
	if st := s.Statistics; st != nil {
		out.Statistics = &kbv1.IngestionStatistics{Scanned: st.NumberOfDocumentsScanned, MetadataScanned: st.NumberOfMetadataDocumentsScanned,
			NewIndexed: st.NumberOfNewDocumentsIndexed, ModifiedIndexed: st.NumberOfModifiedDocumentsIndexed,
			Deleted: st.NumberOfDocumentsDeleted, Failed: st.NumberOfDocumentsFailed}
	}
	switch trigger, acl, fp, ok := ingestion.ParseDescription(aws.ToString(s.Description)); {
	case prev != nil && prev.ID == out.ID:
		out.Trigger, out.ACLHash, out.DocumentsFingerprint, out.RulesHash = prev.Trigger, prev.ACLHash, prev.DocumentsFingerprint, prev.RulesHash
	case ok:
		out.Trigger, out.ACLHash, out.DocumentsFingerprint = string(trigger), acl, fp
	}
	return out
}

// assumeIncludes fills in what a job kbwarden did not start ingests, when
// it can tell: a job started after the current ACL files were written, or
// after the current documents were first seen, includes them. Otherwise the
// values stay empty (unknown), which the next pass reads as a change.
func assumeIncludes(j *kbv1.IngestionJob, acl aclReport) {
	if j.StartedAt == nil || j.Trigger != string(ingestion.TriggerExternal) {
		return
	}
	if startedAfterWrite(j.StartedAt.Time, acl) {
		j.ACLHash, j.RulesHash = acl.aclHash, acl.rulesHash
	}
	if acl.documentsChangedAt != nil && j.StartedAt.Time.After(latestInstant(acl.documentsChangedAt)) {
		j.DocumentsFingerprint = acl.fingerprint
	}
}

// clockSkewMargin is how much later than kbwarden's last ACL write, by
// AWS's clocks, a job must have started to be credited with it: S3 dates
// its responses to the second, and the ingestion service's clock is another
// machine's. At worst the margin costs one redundant job.
const clockSkewMargin = 2 * time.Second

// startedAfterWrite reports whether a job that started at started (the
// ingestion service's time) read the current ACL files. When kbwarden wrote
// them, S3's date of the write decides, compared on AWS's clocks. When
// kbwarden never wrote them (they were already in sync) they are older than
// kbwarden's first look, which lastSyncTime records by the manager's clock.
func startedAfterWrite(started time.Time, acl aclReport) bool {
	switch {
	case acl.lastWriteTime != nil:
		return started.After(acl.lastWriteTime.Add(clockSkewMargin))
	case acl.lastSyncTime != nil:
		// A job that started within the second of the look is not
		// assumed to include it.
		return started.After(latestInstant(acl.lastSyncTime))
	}
	return false
}

func metaTime(t *time.Time) *metav1.Time {
	if t == nil {
		return nil
	}
	mt := metav1.NewTime(*t)
	return &mt
}

// getJob reads one job: one GetIngestionJob call.
func (p *ingestionPass) getJob(ctx context.Context, prev *kbv1.IngestionJob) (*kbv1.IngestionJob, error) {
	out, err := p.api.GetIngestionJob(ctx, &bedrockagent.GetIngestionJobInput{KnowledgeBaseId: &p.kbID, DataSourceId: &p.dsID, IngestionJobId: &prev.ID})
	if awserr.Is(err, awserr.NotFound) {
		// The job is not this data source's: the spec moved to another
		// knowledge base or data source while it ran. Forget it and adopt
		// afresh next pass (which stalls if the new IDs do not exist).
		p.obj.Status.Ingestion.LastJob = nil
		return nil, p.pending(p.s.opts.PollMin, "ingestion job %s is not a job of data source %s of knowledge base %s; looking for its jobs", prev.ID, p.dsID, p.kbID)
	}
	if err != nil {
		return nil, p.classify(err, "GetIngestionJob "+prev.ID)
	}
	return jobFromAPI(out.IngestionJob, prev), nil
}

// listJobs lists the data source's newest jobs, optionally only those
// still running: one ListIngestionJobs call.
func (p *ingestionPass) listJobs(ctx context.Context, runningOnly bool, max int32) ([]bt.IngestionJobSummary, error) {
	in := &bedrockagent.ListIngestionJobsInput{KnowledgeBaseId: &p.kbID, DataSourceId: &p.dsID, MaxResults: &max,
		SortBy: &bt.IngestionJobSortBy{Attribute: bt.IngestionJobSortByAttributeStartedAt, Order: bt.SortOrderDescending}}
	if runningOnly {
		in.Filters = []bt.IngestionJobFilter{{Attribute: bt.IngestionJobFilterAttributeStatus, Operator: bt.IngestionJobFilterOperatorEq,
			Values: []string{string(bt.IngestionJobStatusStarting), string(bt.IngestionJobStatusInProgress), string(bt.IngestionJobStatusStopping)}}}
	}
	out, err := p.api.ListIngestionJobs(ctx, in)
	if err != nil {
		return nil, p.classify(err, "ListIngestionJobs")
	}
	return out.IngestionJobSummaries, nil
}

// startJob calls StartIngestionJob once, with the SDK's own retries off:
// throttling is the start queue's business, and a retry would spend the
// account's quota while holding a worker.
func (p *ingestionPass) startJob(ctx context.Context, token, description string) (*kbv1.IngestionJob, error) {
	out, err := p.api.StartIngestionJob(ctx, &bedrockagent.StartIngestionJobInput{KnowledgeBaseId: &p.kbID, DataSourceId: &p.dsID,
		ClientToken: &token, Description: &description}, func(o *bedrockagent.Options) { o.RetryMaxAttempts = 1 })
	if err != nil {
		return nil, err
	}
	return jobFromAPI(out.IngestionJob, nil), nil
}

// isAccessError reports whether a failed job's reasons say Bedrock was
// refused access (the runbook's 403 on the vector bucket).
func isAccessError(reasons []string) bool {
	for _, r := range reasons {
		l := strings.ToLower(r)
		for _, s := range []string{"accessdenied", "access denied", "not authorized", "403", "forbidden"} {
			if strings.Contains(l, s) {
				return true
			}
		}
	}
	return false
}
