package quick

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/kbwarden/kbwarden/internal/quick/types"
)

// ListKnowledgeBaseRefreshSchedules lists the refresh schedules of a
// knowledge base (at most one today): GET
// /v1/accounts/{AwsAccountId}/knowledge-bases/{KnowledgeBaseId}/kb-refresh-schedules?max-results=&next-token=.
// kbwarden uses it to find the schedule's ID, which it does not choose
// when the console created the schedule.
func (c *Client) ListKnowledgeBaseRefreshSchedules(ctx context.Context, params *ListKnowledgeBaseRefreshSchedulesInput, optFns ...func(*Options)) (*ListKnowledgeBaseRefreshSchedulesOutput, error) {
	if params == nil {
		params = &ListKnowledgeBaseRefreshSchedulesInput{}
	}
	validate := func() error {
		return validateRequired("ListKnowledgeBaseRefreshSchedulesInput", true,
			str("AwsAccountId", params.AwsAccountId), str("KnowledgeBaseId", params.KnowledgeBaseId))
	}
	query := url.Values{}
	if params.MaxResults != nil {
		query.Set("max-results", strconv.FormatInt(int64(*params.MaxResults), 10))
	}
	if params.NextToken != nil {
		query.Set("next-token", *params.NextToken)
	}
	req := request{method: http.MethodGet, query: query,
		path: kbPath(params.AwsAccountId, params.KnowledgeBaseId) + "/kb-refresh-schedules"}
	result, metadata, err := c.invoke(ctx, "ListKnowledgeBaseRefreshSchedules", req, validate, decodeListKnowledgeBaseRefreshSchedules, optFns)
	if err != nil {
		return nil, err
	}
	out := result.(*ListKnowledgeBaseRefreshSchedulesOutput)
	out.ResultMetadata = metadata
	return out, nil
}

// ListKnowledgeBaseRefreshSchedulesInput names the knowledge base and page.
type ListKnowledgeBaseRefreshSchedulesInput struct {
	// AwsAccountId is the 12-digit account. Required.
	AwsAccountId *string
	// KnowledgeBaseId is the knowledge base. Required.
	KnowledgeBaseId *string
	// MaxResults is the page size, 1 to 100 (default 25).
	MaxResults *int32
	// NextToken continues a previous page.
	NextToken *string
}

// ListKnowledgeBaseRefreshSchedulesOutput is one page of schedules.
type ListKnowledgeBaseRefreshSchedulesOutput struct {
	// KnowledgeBaseArn is the knowledge base's ARN.
	KnowledgeBaseArn *string
	// ScheduleSummaries are the schedules.
	ScheduleSummaries []types.KnowledgeBaseRefreshScheduleSummary
	// NextToken is set when more pages follow.
	NextToken *string
	// RequestId is the AWS request ID.
	RequestId *string
	// Status is the HTTP status of the response.
	Status int32
	// ResultMetadata is the SDK's metadata of the call.
	ResultMetadata middleware.Metadata
}

func decodeListKnowledgeBaseRefreshSchedules(resp *smithyhttp.Response, body []byte) (any, error) {
	var doc struct {
		KnowledgeBaseArn  *string               `json:"KnowledgeBaseArn"`
		ScheduleSummaries []wireScheduleSummary `json:"ScheduleSummaries"`
		NextToken         *string               `json:"NextToken"`
		RequestId         *string               `json:"RequestId"`
	}
	if err := decodeJSON(body, &doc); err != nil {
		return nil, err
	}
	out := &ListKnowledgeBaseRefreshSchedulesOutput{KnowledgeBaseArn: doc.KnowledgeBaseArn,
		NextToken: doc.NextToken, RequestId: doc.RequestId, Status: int32(resp.StatusCode)}
	for i := range doc.ScheduleSummaries {
		out.ScheduleSummaries = append(out.ScheduleSummaries, *doc.ScheduleSummaries[i].toType())
	}
	return out, nil
}
