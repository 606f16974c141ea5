package quick

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/kbwarden/kbwarden/internal/quick/types"
)

// CreateKnowledgeBaseRefreshSchedule creates the refresh schedule of a
// knowledge base: POST /v1/accounts/{AwsAccountId}/knowledge-bases/{KnowledgeBaseId}/kb-refresh-schedules.
// A knowledge base has at most one; a second fails with
// LimitExceededException.
func (c *Client) CreateKnowledgeBaseRefreshSchedule(ctx context.Context, params *CreateKnowledgeBaseRefreshScheduleInput, optFns ...func(*Options)) (*CreateKnowledgeBaseRefreshScheduleOutput, error) {
	if params == nil {
		params = &CreateKnowledgeBaseRefreshScheduleInput{}
	}
	validate := func() error {
		return validateRequired("CreateKnowledgeBaseRefreshScheduleInput", true,
			str("AwsAccountId", params.AwsAccountId), str("KnowledgeBaseId", params.KnowledgeBaseId),
			member{"ScheduleFrequency", params.ScheduleFrequency != nil})
	}
	body := struct {
		ScheduleFrequency *wireFrequency `json:"ScheduleFrequency"`
		ScheduleId        *string        `json:"ScheduleId,omitempty"`
		StartTime         *epochSeconds  `json:"StartTime,omitempty"`
		State             string         `json:"State,omitempty"`
	}{frequencyToWire(params.ScheduleFrequency), params.ScheduleId, toEpoch(params.StartTime), string(params.State)}
	req := request{method: http.MethodPost, path: kbPath(params.AwsAccountId, params.KnowledgeBaseId) + "/kb-refresh-schedules", body: body}
	result, metadata, err := c.invoke(ctx, "CreateKnowledgeBaseRefreshSchedule", req, validate, decodeScheduleRef(func(arn, id, rid *string, status int32) any {
		return &CreateKnowledgeBaseRefreshScheduleOutput{KnowledgeBaseArn: arn, ScheduleId: id, RequestId: rid, Status: status}
	}), optFns)
	if err != nil {
		return nil, err
	}
	out := result.(*CreateKnowledgeBaseRefreshScheduleOutput)
	out.ResultMetadata = metadata
	return out, nil
}

// CreateKnowledgeBaseRefreshScheduleInput is the schedule to create.
type CreateKnowledgeBaseRefreshScheduleInput struct {
	// AwsAccountId is the 12-digit account. Required.
	AwsAccountId *string
	// KnowledgeBaseId is the knowledge base. Required.
	KnowledgeBaseId *string
	// ScheduleFrequency is how often it refreshes. Required.
	ScheduleFrequency *types.KnowledgeBaseRefreshFrequency
	// ScheduleId names the schedule; the service generates one when nil.
	ScheduleId *string
	// StartTime is when the schedule may start refreshing.
	StartTime *time.Time
	// State is ENABLED or DISABLED.
	State types.ScheduleState
}

// CreateKnowledgeBaseRefreshScheduleOutput names the schedule created.
type CreateKnowledgeBaseRefreshScheduleOutput struct {
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

// decodeScheduleRef decodes the {KnowledgeBaseArn, ScheduleId, RequestId}
// document that Create, Update and Delete return.
func decodeScheduleRef(build func(arn, id, requestID *string, status int32) any) decoder {
	return func(resp *smithyhttp.Response, body []byte) (any, error) {
		var doc struct {
			KnowledgeBaseArn *string `json:"KnowledgeBaseArn"`
			ScheduleId       *string `json:"ScheduleId"`
			RequestId        *string `json:"RequestId"`
		}
		if err := decodeJSON(body, &doc); err != nil {
			return nil, err
		}
		return build(doc.KnowledgeBaseArn, doc.ScheduleId, doc.RequestId, int32(resp.StatusCode)), nil
	}
}
