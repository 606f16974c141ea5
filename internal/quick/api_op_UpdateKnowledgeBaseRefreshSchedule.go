package quick

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/smithy-go/middleware"

	"github.com/kbwarden/kbwarden/internal/quick/types"
)

// UpdateKnowledgeBaseRefreshSchedule changes a refresh schedule: PUT
// /v1/accounts/{AwsAccountId}/knowledge-bases/{KnowledgeBaseId}/kb-refresh-schedules/{ScheduleId}.
// Only the members set change; the others keep their values.
func (c *Client) UpdateKnowledgeBaseRefreshSchedule(ctx context.Context, params *UpdateKnowledgeBaseRefreshScheduleInput, optFns ...func(*Options)) (*UpdateKnowledgeBaseRefreshScheduleOutput, error) {
	if params == nil {
		params = &UpdateKnowledgeBaseRefreshScheduleInput{}
	}
	validate := func() error {
		return validateRequired("UpdateKnowledgeBaseRefreshScheduleInput", true,
			str("AwsAccountId", params.AwsAccountId), str("KnowledgeBaseId", params.KnowledgeBaseId),
			str("ScheduleId", params.ScheduleId))
	}
	body := struct {
		ScheduleFrequency *wireFrequency `json:"ScheduleFrequency,omitempty"`
		StartTime         *epochSeconds  `json:"StartTime,omitempty"`
		State             string         `json:"State,omitempty"`
	}{frequencyToWire(params.ScheduleFrequency), toEpoch(params.StartTime), string(params.State)}
	req := request{method: http.MethodPut, body: body,
		path: kbPath(params.AwsAccountId, params.KnowledgeBaseId) + "/kb-refresh-schedules/" + url.PathEscape(deref(params.ScheduleId))}
	result, metadata, err := c.invoke(ctx, "UpdateKnowledgeBaseRefreshSchedule", req, validate, decodeScheduleRef(func(arn, id, rid *string, status int32) any {
		return &UpdateKnowledgeBaseRefreshScheduleOutput{KnowledgeBaseArn: arn, ScheduleId: id, RequestId: rid, Status: status}
	}), optFns)
	if err != nil {
		return nil, err
	}
	out := result.(*UpdateKnowledgeBaseRefreshScheduleOutput)
	out.ResultMetadata = metadata
	return out, nil
}

// UpdateKnowledgeBaseRefreshScheduleInput is the change to make.
type UpdateKnowledgeBaseRefreshScheduleInput struct {
	// AwsAccountId is the 12-digit account. Required.
	AwsAccountId *string
	// KnowledgeBaseId is the knowledge base. Required.
	KnowledgeBaseId *string
	// ScheduleId is the schedule. Required.
	ScheduleId *string
	// ScheduleFrequency, when set, replaces the frequency.
	ScheduleFrequency *types.KnowledgeBaseRefreshFrequency
	// StartTime, when set, replaces the start time.
	StartTime *time.Time
	// State, when set, enables or disables the schedule.
	State types.ScheduleState
}

// UpdateKnowledgeBaseRefreshScheduleOutput names the schedule updated.
type UpdateKnowledgeBaseRefreshScheduleOutput struct {
	// KnowledgeBaseArn is the knowledge base's ARN.
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
