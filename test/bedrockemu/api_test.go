package bedrockemu

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagent"
	bt "github.com/aws/aws-sdk-go-v2/service/bedrockagent/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	. "github.com/onsi/gomega"
)

func TestKnowledgeBaseAndDataSourceReads(t *testing.T) {
	g := NewWithT(t)
	e := newEnv(t, func(c *Config) {
		c.KnowledgeBases = append(c.KnowledgeBases, KnowledgeBase{ID: "KBVECTORS1",
			VectorStore: VectorStore{Type: StorageS3Vectors, Bucket: "vectors", Index: "docs"}})
	})
	ctx := e.ctx()

	kb, err := e.api.GetKnowledgeBase(ctx, &bedrockagent.GetKnowledgeBaseInput{KnowledgeBaseId: aws.String(kbID)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(aws.ToString(kb.KnowledgeBase.Name)).To(Equal("sidekick"))
	g.Expect(aws.ToString(kb.KnowledgeBase.KnowledgeBaseArn)).To(Equal("arn:aws:bedrock:us-east-1:123456789012:knowledge-base/" + kbID))
	g.Expect(kb.KnowledgeBase.Status).To(Equal(bt.KnowledgeBaseStatusActive))
	g.Expect(string(kb.KnowledgeBase.StorageConfiguration.Type)).To(Equal("S3"))
	locs := kb.KnowledgeBase.KnowledgeBaseConfiguration.VectorKnowledgeBaseConfiguration.SupplementalDataStorageConfiguration.StorageLocations
	g.Expect(aws.ToString(locs[0].S3Location.Uri)).To(Equal("s3://" + e.vec))

	vkb, err := e.api.GetKnowledgeBase(ctx, &bedrockagent.GetKnowledgeBaseInput{KnowledgeBaseId: aws.String("KBVECTORS1")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(vkb.KnowledgeBase.StorageConfiguration.Type).To(Equal(bt.KnowledgeBaseStorageTypeS3Vectors))
	g.Expect(aws.ToString(vkb.KnowledgeBase.StorageConfiguration.S3VectorsConfiguration.IndexArn)).To(
		Equal("arn:aws:s3vectors:us-east-1:123456789012:bucket/vectors/index/docs"))

	// Pagination through the SDK's own paginator, one per page.
	var ids []string
	kbPages := bedrockagent.NewListKnowledgeBasesPaginator(e.api, &bedrockagent.ListKnowledgeBasesInput{MaxResults: aws.Int32(1)})
	for kbPages.HasMorePages() {
		page, err := kbPages.NextPage(ctx)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(page.KnowledgeBaseSummaries).To(HaveLen(1))
		ids = append(ids, aws.ToString(page.KnowledgeBaseSummaries[0].KnowledgeBaseId))
	}
	g.Expect(ids).To(Equal([]string{kbID, kb2ID, "KBVECTORS1"}))

	ds, err := e.api.GetDataSource(ctx, &bedrockagent.GetDataSourceInput{KnowledgeBaseId: aws.String(kbID), DataSourceId: aws.String(dsID)})
	g.Expect(err).NotTo(HaveOccurred())
	s3cfg := ds.DataSource.DataSourceConfiguration.S3Configuration
	g.Expect(aws.ToString(s3cfg.BucketArn)).To(Equal("arn:aws:s3:::" + e.docs))
	g.Expect(s3cfg.InclusionPrefixes).To(Equal([]string{"docs/"}))
	g.Expect(ds.DataSource.Status).To(Equal(bt.DataSourceStatusAvailable))

	dss, err := e.api.ListDataSources(ctx, &bedrockagent.ListDataSourcesInput{KnowledgeBaseId: aws.String(kbID)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(dss.DataSourceSummaries).To(HaveLen(2))
	g.Expect(dss.NextToken).To(BeNil())
	g.Expect(e.srv.CallCounts()).To(HaveKeyWithValue(OpListKnowledgeBases, 3))
}

// TestErrors checks each error's type, HTTP status and message as the SDK
// surfaces them.
func TestErrors(t *testing.T) {
	e := newEnv(t)
	job := aws.ToString(e.start(kbID, dsID).IngestionJobId)
	bad := "not-an-id"
	cases := []struct {
		name   string
		call   func(ctx context.Context) error
		code   string
		status int
		msg    string
	}{
		{"unknown knowledge base", func(ctx context.Context) error {
			_, err := e.api.GetKnowledgeBase(ctx, &bedrockagent.GetKnowledgeBaseInput{KnowledgeBaseId: aws.String("KBUNKNOWN0")})
			return err
		}, "ResourceNotFoundException", 404, "KBUNKNOWN0"},
		{"unknown data source", func(ctx context.Context) error {
			_, err := e.api.GetDataSource(ctx, &bedrockagent.GetDataSourceInput{KnowledgeBaseId: aws.String(kbID), DataSourceId: aws.String("DSUNKNOWN0")})
			return err
		}, "ResourceNotFoundException", 404, "DSUNKNOWN0"},
		{"start on unknown data source", func(ctx context.Context) error {
			_, err := e.api.StartIngestionJob(ctx, &bedrockagent.StartIngestionJobInput{KnowledgeBaseId: aws.String(kb2ID), DataSourceId: aws.String(dsID)})
			return err
		}, "ResourceNotFoundException", 404, dsID},
		{"unknown job", func(ctx context.Context) error {
			_, err := e.api.GetIngestionJob(ctx, &bedrockagent.GetIngestionJobInput{KnowledgeBaseId: aws.String(kbID), DataSourceId: aws.String(dsID), IngestionJobId: aws.String("JOBUNKNOWN")})
			return err
		}, "ResourceNotFoundException", 404, "JOBUNKNOWN"},
		{"job of another data source", func(ctx context.Context) error {
			_, err := e.api.StopIngestionJob(ctx, &bedrockagent.StopIngestionJobInput{KnowledgeBaseId: aws.String(kbID), DataSourceId: aws.String(ds2ID), IngestionJobId: aws.String(job)})
			return err
		}, "ResourceNotFoundException", 404, job},
		{"list jobs of unknown knowledge base", func(ctx context.Context) error {
			_, err := e.api.ListIngestionJobs(ctx, &bedrockagent.ListIngestionJobsInput{KnowledgeBaseId: aws.String("KBUNKNOWN0"), DataSourceId: aws.String(dsID)})
			return err
		}, "ResourceNotFoundException", 404, "KBUNKNOWN0"},
		{"bad knowledge base id", func(ctx context.Context) error {
			_, err := e.api.GetKnowledgeBase(ctx, &bedrockagent.GetKnowledgeBaseInput{KnowledgeBaseId: aws.String(bad)})
			return err
		}, "ValidationException", 400, "Value 'not-an-id' at 'knowledgeBaseId' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9a-zA-Z]{10}"},
		{"maxResults 0", func(ctx context.Context) error {
			_, err := e.api.ListIngestionJobs(ctx, &bedrockagent.ListIngestionJobsInput{KnowledgeBaseId: aws.String(kbID), DataSourceId: aws.String(dsID), MaxResults: aws.Int32(0)})
			return err
		}, "ValidationException", 400, "greater than or equal to 1"},
		{"maxResults 1001", func(ctx context.Context) error {
			_, err := e.api.ListKnowledgeBases(ctx, &bedrockagent.ListKnowledgeBasesInput{MaxResults: aws.Int32(1001)})
			return err
		}, "ValidationException", 400, "less than or equal to 1000"},
		{"short clientToken", func(ctx context.Context) error {
			_, err := e.api.StartIngestionJob(ctx, &bedrockagent.StartIngestionJobInput{KnowledgeBaseId: aws.String(kb2ID), DataSourceId: aws.String(ds3ID), ClientToken: aws.String("short")})
			return err
		}, "ValidationException", 400, "clientToken"},
		{"long description", func(ctx context.Context) error {
			_, err := e.api.StartIngestionJob(ctx, &bedrockagent.StartIngestionJobInput{KnowledgeBaseId: aws.String(kb2ID), DataSourceId: aws.String(ds3ID), Description: aws.String(strings.Repeat("x", 201))})
			return err
		}, "ValidationException", 400, "between 1 and 200"},
		{"unknown sort attribute", func(ctx context.Context) error {
			_, err := e.api.ListIngestionJobs(ctx, &bedrockagent.ListIngestionJobsInput{KnowledgeBaseId: aws.String(kbID), DataSourceId: aws.String(dsID),
				SortBy: &bt.IngestionJobSortBy{Attribute: "NAME", Order: bt.SortOrderAscending}})
			return err
		}, "ValidationException", 400, "sortBy.attribute"},
		{"forged nextToken", func(ctx context.Context) error {
			_, err := e.api.ListIngestionJobs(ctx, &bedrockagent.ListIngestionJobsInput{KnowledgeBaseId: aws.String(kbID), DataSourceId: aws.String(dsID), NextToken: aws.String("forged")})
			return err
		}, "ValidationException", 400, "nextToken"},
		{"conflict", func(ctx context.Context) error {
			_, err := e.api.StartIngestionJob(ctx, &bedrockagent.StartIngestionJobInput{KnowledgeBaseId: aws.String(kbID), DataSourceId: aws.String(dsID)})
			return err
		}, "ConflictException", 409, job},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			err := c.call(e.ctx())
			var apiErr smithy.APIError
			g.Expect(errors.As(err, &apiErr)).To(BeTrue(), "error: %v", err)
			g.Expect(apiErr.ErrorCode()).To(Equal(c.code))
			g.Expect(apiErr.ErrorMessage()).To(ContainSubstring(c.msg))
			var resp *smithyhttp.ResponseError
			g.Expect(errors.As(err, &resp)).To(BeTrue())
			g.Expect(resp.HTTPStatusCode()).To(Equal(c.status))
		})
	}
	t.Run("validation fieldList", func(t *testing.T) {
		g := NewWithT(t)
		_, err := e.api.ListIngestionJobs(e.ctx(), &bedrockagent.ListIngestionJobsInput{KnowledgeBaseId: aws.String(kbID), DataSourceId: aws.String("bad"), MaxResults: aws.Int32(0)})
		var ve *bt.ValidationException
		g.Expect(errors.As(err, &ve)).To(BeTrue(), "error: %v", err)
		g.Expect(ve.ErrorMessage()).To(HavePrefix("2 validation errors detected: "))
		g.Expect(ve.FieldList).To(HaveLen(2))
		g.Expect(aws.ToString(ve.FieldList[0].Name)).To(Equal("dataSourceId"))
	})
	t.Run("unknown route", func(t *testing.T) {
		g := NewWithT(t)
		resp, err := http.Post(e.srv.URL()+"/agents/", "application/json", strings.NewReader("{}"))
		g.Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		g.Expect(resp.StatusCode).To(Equal(404))
		g.Expect(resp.Header.Get("X-Amzn-Errortype")).To(Equal("UnknownOperationException"))
		g.Expect(string(body)).To(ContainSubstring(`"message"`))
		g.Expect(e.srv.CallCount(OpUnknown)).To(Equal(1))
	})
}
