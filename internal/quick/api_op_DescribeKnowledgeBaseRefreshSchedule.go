package quick

import (
	"context"
	"net/http"
	"net/url"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/kbwarden/kbwarden/internal/quick/types"
)

// DescribeKnowledgeBaseRefreshSchedule returns a refresh schedule: GET
// /v1/accounts/{AwsAccountId}/knowledge-bases/{KnowledgeBaseId}/kb-refresh-schedules/{ScheduleId}.
func (c *Client) DescribeKnowledgeBaseRefreshSchedule(ctx context.Context, params *DescribeKnowledgeBaseRefreshScheduleInput, optFns ...func(*Options)) (*DescribeKnowledgeBaseRefreshScheduleOutput, error) {
	if params == nil {
		params = &DescribeKnowledgeBaseRefreshScheduleInput{}
	}
	validate := func() error {
		return validateRequired("DescribeKnowledgeBaseRefreshScheduleInput", true,
			str("AwsAccountId", params.AwsAccountId), str("KnowledgeBaseId", params.KnowledgeBaseId),
			str("ScheduleId", params.ScheduleId))
	}
	req := request{method: http.MethodGet,
		path: kbPath(params.AwsAccountId, params.KnowledgeBaseId) + "/kb-refresh-schedules/" + url.PathEscape(deref(params.ScheduleId))}
	result, metadata, err := c.invoke(ctx, "DescribeKnowledgeBaseRefreshSchedule", req, validate, decodeDescribeKnowledgeBaseRefreshSchedule, optFns)
	if err != nil {
		return nil, err
	}
	out := result.(*DescribeKnowledgeBaseRefreshScheduleOutput)
	out.ResultMetadata = metadata
	return out, nil
}

// DescribeKnowledgeBaseRefreshScheduleInput names the schedule.
type DescribeKnowledgeBaseRefreshScheduleInput struct {
	// AwsAccountId is the 12-digit account. Required.
	AwsAccountId *string
	// KnowledgeBaseId is the knowledge base. Required.
	KnowledgeBaseId *string
	// ScheduleId is the schedule. Required.
	ScheduleId *string
}

// DescribeKnowledgeBaseRefreshScheduleOutput is the schedule.
type DescribeKnowledgeBaseRefreshScheduleOutput struct {
	// KnowledgeBaseArn is the knowledge base's ARN.
	KnowledgeBaseArn *string
	// Schedule is the schedule.
	Schedule *types.KnowledgeBaseRefreshScheduleSummary
	// RequestId is the AWS request ID.
	RequestId *string
	// Status is the HTTP status of the response.
	Status int32
	// ResultMetadata is the SDK's metadata of the call.
	ResultMetadata middleware.Metadata
}

func decodeDescribeKnowledgeBaseRefreshSchedule(resp *smithyhttp.Response, body []byte) (any, error) {
	var doc struct {
		KnowledgeBaseArn *string              `json:"KnowledgeBaseArn"`
		Schedule         *wireScheduleSummary `json:"Schedule"`
		RequestId        *string              `json:"RequestId"`
	}
	if err := decodeJSON(body, &doc); err != nil {
		return nil, err
	}
	return &DescribeKnowledgeBaseRefreshScheduleOutput{KnowledgeBaseArn: doc.KnowledgeBaseArn,
		Schedule: doc.Schedule.toType(), RequestId: doc.RequestId, Status: int32(resp.StatusCode)}, nil
}
