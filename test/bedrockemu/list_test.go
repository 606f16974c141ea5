package bedrockemu

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagent"
	bt "github.com/aws/aws-sdk-go-v2/service/bedrockagent/types"
	. "github.com/onsi/gomega"
)

// TestListIngestionJobs builds a history of five jobs (COMPLETE, STOPPED,
// FAILED, COMPLETE, IN_PROGRESS) and lists it filtered, sorted and paged.
func TestListIngestionJobs(t *testing.T) {
	e := newEnv(t)
	g := NewWithT(t)
	var ids []string // in start order
	run := func(then func(id string)) {
		id := aws.ToString(e.start(kbID, dsID).IngestionJobId)
		ids = append(ids, id)
		then(id)
	}
	e.put(e.docs, "docs/a.txt", "a")
	run(func(string) { e.clock.Advance(jobLength) })
	run(func(id string) {
		e.clock.Advance(startingFor)
		_, err := e.api.StopIngestionJob(e.ctx(), &bedrockagent.StopIngestionJobInput{KnowledgeBaseId: aws.String(kbID), DataSourceId: aws.String(dsID), IngestionJobId: aws.String(id)})
		g.Expect(err).NotTo(HaveOccurred())
		e.clock.Advance(stoppingFor)
	})
	e.put(e.docs, "docs/b.txt", "b")
	e.putPolicy(e.vec, faultyPolicy(e.vec))
	run(func(string) { e.clock.Advance(jobLength) })
	e.putPolicy(e.vec, correctedPolicy(e.vec))
	run(func(string) { e.clock.Advance(jobLength) })
	run(func(string) { e.clock.Advance(startingFor) })

	list := func(in *bedrockagent.ListIngestionJobsInput) []string {
		in.KnowledgeBaseId, in.DataSourceId = aws.String(kbID), aws.String(dsID)
		var got []string
		pages := bedrockagent.NewListIngestionJobsPaginator(e.api, in)
		for pages.HasMorePages() {
			page, err := pages.NextPage(e.ctx())
			g.Expect(err).NotTo(HaveOccurred())
			for _, s := range page.IngestionJobSummaries {
				got = append(got, aws.ToString(s.IngestionJobId)+"="+string(s.Status))
			}
		}
		return got
	}
	job := func(i int, status bt.IngestionJobStatus) string { return ids[i] + "=" + string(status) }
	complete0, stopped1, failed2 := job(0, "COMPLETE"), job(1, "STOPPED"), job(2, "FAILED")
	complete3, running4 := job(3, "COMPLETE"), job(4, "IN_PROGRESS")
	sortBy := func(a bt.IngestionJobSortByAttribute, o bt.SortOrder) *bt.IngestionJobSortBy {
		return &bt.IngestionJobSortBy{Attribute: a, Order: o}
	}
	status := func(values ...string) []bt.IngestionJobFilter {
		return []bt.IngestionJobFilter{{Attribute: bt.IngestionJobFilterAttributeStatus, Operator: bt.IngestionJobFilterOperatorEq, Values: append([]string{}, values...)}}
	}
	cases := []struct {
		name string
		in   bedrockagent.ListIngestionJobsInput
		want []string
	}{
		{"default: newest first", bedrockagent.ListIngestionJobsInput{}, []string{running4, complete3, failed2, stopped1, complete0}},
		{"started at ascending, pages of 2", bedrockagent.ListIngestionJobsInput{MaxResults: aws.Int32(2), SortBy: sortBy("STARTED_AT", "ASCENDING")},
			[]string{complete0, stopped1, failed2, complete3, running4}},
		{"status ascending", bedrockagent.ListIngestionJobsInput{SortBy: sortBy("STATUS", "ASCENDING")},
			[]string{complete0, complete3, failed2, running4, stopped1}},
		{"status descending, pages of 1", bedrockagent.ListIngestionJobsInput{MaxResults: aws.Int32(1), SortBy: sortBy("STATUS", "DESCENDING")},
			[]string{stopped1, running4, failed2, complete3, complete0}},
		{"only COMPLETE", bedrockagent.ListIngestionJobsInput{Filters: status("COMPLETE")}, []string{complete3, complete0}},
		{"FAILED or STOPPED", bedrockagent.ListIngestionJobsInput{Filters: status("FAILED", "STOPPED"), SortBy: sortBy("STARTED_AT", "ASCENDING")},
			[]string{stopped1, failed2}},
		{"no value matches nothing", bedrockagent.ListIngestionJobsInput{Filters: status()}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			NewWithT(t).Expect(list(&c.in)).To(Equal(c.want))
		})
	}

	t.Run("a token is bound to its query", func(t *testing.T) {
		g := NewWithT(t)
		first, err := e.api.ListIngestionJobs(e.ctx(), &bedrockagent.ListIngestionJobsInput{KnowledgeBaseId: aws.String(kbID), DataSourceId: aws.String(dsID), MaxResults: aws.Int32(2)})
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(first.NextToken).NotTo(BeNil())
		_, err = e.api.ListIngestionJobs(e.ctx(), &bedrockagent.ListIngestionJobsInput{KnowledgeBaseId: aws.String(kbID), DataSourceId: aws.String(dsID),
			MaxResults: aws.Int32(2), NextToken: first.NextToken, Filters: status("COMPLETE")})
		var ve *bt.ValidationException
		g.Expect(errors.As(err, &ve)).To(BeTrue(), "error: %v", err)
	})

	t.Run("hooks see the same history", func(t *testing.T) {
		g := NewWithT(t)
		jobs, err := e.srv.Jobs(e.ctx(), kbID, dsID)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(jobs).To(HaveLen(5))
		g.Expect(jobs[2].FailureReasons).To(ContainElement(ContainSubstring("s3:PutObject")))
		one, err := e.srv.Job(e.ctx(), ids[4])
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(one.Status).To(Equal(StatusInProgress))
		g.Expect(one.StartedAt).To(BeTemporally("<", e.clock.Now().Add(-time.Millisecond)))
	})
}
