package quick

import (
	"context"
	"net/http"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/kbwarden/kbwarden/internal/quick/types"
)

// DescribeKnowledgeBase returns a knowledge base, including the summary of
// its latest ingestion: GET /v1/accounts/{AwsAccountId}/knowledge-bases/{KnowledgeBaseId}.
// The public API has no operation that describes or lists ingestions, so
// LatestIngestionSummary is how kbwarden follows one.
func (c *Client) DescribeKnowledgeBase(ctx context.Context, params *DescribeKnowledgeBaseInput, optFns ...func(*Options)) (*DescribeKnowledgeBaseOutput, error) {
	if params == nil {
		params = &DescribeKnowledgeBaseInput{}
	}
	validate := func() error {
		return validateRequired("DescribeKnowledgeBaseInput", true,
			str("AwsAccountId", params.AwsAccountId), str("KnowledgeBaseId", params.KnowledgeBaseId))
	}
	req := request{method: http.MethodGet, path: kbPath(params.AwsAccountId, params.KnowledgeBaseId)}
	result, metadata, err := c.invoke(ctx, "DescribeKnowledgeBase", req, validate, decodeDescribeKnowledgeBase, optFns)
	if err != nil {
		return nil, err
	}
	out := result.(*DescribeKnowledgeBaseOutput)
	out.ResultMetadata = metadata
	return out, nil
}

// DescribeKnowledgeBaseInput names the knowledge base.
type DescribeKnowledgeBaseInput struct {
	// AwsAccountId is the 12-digit account that owns it. Required.
	AwsAccountId *string
	// KnowledgeBaseId is its ID. Required.
	KnowledgeBaseId *string
}

// DescribeKnowledgeBaseOutput is the knowledge base.
type DescribeKnowledgeBaseOutput struct {
	// KnowledgeBase is the knowledge base. Required.
	KnowledgeBase *types.KnowledgeBase
	// RequestId is the AWS request ID.
	RequestId *string
	// Status is the HTTP status of the response.
	Status int32
	// ResultMetadata is the SDK's metadata of the call (request ID, raw response).
	ResultMetadata middleware.Metadata
}

func decodeDescribeKnowledgeBase(resp *smithyhttp.Response, body []byte) (any, error) {
	var doc struct {
		KnowledgeBase *wireKnowledgeBase `json:"KnowledgeBase"`
		RequestId     *string            `json:"RequestId"`
	}
	if err := decodeJSON(body, &doc); err != nil {
		return nil, err
	}
	return &DescribeKnowledgeBaseOutput{KnowledgeBase: doc.KnowledgeBase.toType(), RequestId: doc.RequestId, Status: int32(resp.StatusCode)}, nil
}
