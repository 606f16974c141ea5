package quick

import (
	"context"
	"net/http"
	"net/url"

	"github.com/aws/smithy-go/middleware"
)

// DeleteKnowledgeBaseRefreshSchedule deletes a refresh schedule: DELETE
// /v1/accounts/{AwsAccountId}/knowledge-bases/{KnowledgeBaseId}/kb-refresh-schedules/{ScheduleId}.
// Without a schedule the knowledge base no longer refreshes by itself.
func (c *Client) DeleteKnowledgeBaseRefreshSchedule(ctx context.Context, params *DeleteKnowledgeBaseRefreshScheduleInput, optFns ...func(*Options)) (*DeleteKnowledgeBaseRefreshScheduleOutput, error) {
	if params == nil {
		params = &DeleteKnowledgeBaseRefreshScheduleInput{}
	}
	validate := func() error {
		return validateRequired("DeleteKnowledgeBaseRefreshScheduleInput", true,
			str("AwsAccountId", params.AwsAccountId), str("KnowledgeBaseId", params.KnowledgeBaseId),
			str("ScheduleId", params.ScheduleId))
	}
	req := request{method: http.MethodDelete,
		path: kbPath(params.AwsAccountId, params.KnowledgeBaseId) + "/kb-refresh-schedules/" + url.PathEscape(deref(params.ScheduleId))}
	result, metadata, err := c.invoke(ctx, "DeleteKnowledgeBaseRefreshSchedule", req, validate, decodeScheduleRef(func(arn, id, rid *string, status int32) any {
		return &DeleteKnowledgeBaseRefreshScheduleOutput{KnowledgeBaseArn: arn, ScheduleId: id, RequestId: rid, Status: status}
	}), optFns)
	if err != nil {
		return nil, err
	}
	out := result.(*DeleteKnowledgeBaseRefreshScheduleOutput)
	out.ResultMetadata = metadata
	return out, nil
}

// DeleteKnowledgeBaseRefreshScheduleInput names the schedule.
type DeleteKnowledgeBaseRefreshScheduleInput struct {
	// AwsAccountId is the 12-digit account. Required.
	AwsAccountId *string
	// KnowledgeBaseId is the knowledge base. Required.
	KnowledgeBaseId *string
	// ScheduleId is the schedule. Required.
	ScheduleId *string
}

// DeleteKnowledgeBaseRefreshScheduleOutput names the schedule deleted.
type DeleteKnowledgeBaseRefreshScheduleOutput struct {
	// KnowledgeBaseArn is the ARN of the knowledge base it applied to.
	KnowledgeBaseArn *string
	// ScheduleId is the schedule's ID.
	ScheduleId *string
	// RequestId is the AWS request ID.
	RequestId *string
	// Status is the HTTP status of the response.
	Status int32
	// ResultMetadata is the SDK's metadata of the call.
	ResultMetadata middleware.Metadata
}
