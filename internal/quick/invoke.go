package quick

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// request is one restJson call: method, the path below the endpoint with
// every label already escaped, the query, and an optional JSON body.
type request struct {
	method string
	path   string
	query  url.Values
	body   any
}

// decoder turns a 2xx response into the operation's output. body is the
// whole response body (empty for none).
type decoder func(resp *smithyhttp.Response, body []byte) (any, error)

// invoke runs one operation through a smithy middleware stack built like a
// generated client's: service metadata, serialization, content length and
// user agent, the SDK's retry middleware around payload hashing and SigV4
// signing (so every attempt is signed afresh), and deserialization with
// the SDK's response-error and request-ID middleware. Errors are wrapped
// in *smithy.OperationError naming the service and operation, which is
// what internal/awserr reads.
func (c *Client) invoke(ctx context.Context, opName string, req request, validate func() error, decode decoder, optFns []func(*Options)) (any, middleware.Metadata, error) {
	o := c.resolveOperationOptions(optFns)
	wrap := func(err error) error {
		return &smithy.OperationError{ServiceID: ServiceID, OperationName: opName, Err: err}
	}
	if validate != nil {
		if err := validate(); err != nil {
			return nil, middleware.Metadata{}, wrap(err)
		}
	}
	endpoint, err := endpointURL(o)
	if err != nil {
		return nil, middleware.Metadata{}, wrap(err)
	}
	stack := middleware.NewStack(opName, smithyhttp.NewStackRequest)
	if err := c.buildStack(stack, o, opName, endpoint, req, decode); err != nil {
		return nil, middleware.Metadata{}, wrap(fmt.Errorf("building the middleware stack: %w", err))
	}
	for _, fn := range o.APIOptions {
		if err := fn(stack); err != nil {
			return nil, middleware.Metadata{}, wrap(err)
		}
	}
	handler := middleware.DecorateHandler(smithyhttp.NewClientHandler(o.HTTPClient), stack)
	result, metadata, err := handler.Handle(ctx, struct{}{})
	if err != nil {
		return nil, metadata, wrap(err)
	}
	return result, metadata, nil
}

func (c *Client) buildStack(stack *middleware.Stack, o Options, opName string, endpoint *url.URL, req request, decode decoder) error {
	steps := []func() error{
		func() error {
			return stack.Initialize.Add(&awsmiddleware.RegisterServiceMetadata{
				ServiceID: ServiceID, SigningName: signingName, Region: o.Region, OperationName: opName,
			}, middleware.Before)
		},
		func() error { return stack.Serialize.Add(&serializer{endpoint: endpoint, req: req}, middleware.After) },
		func() error { return smithyhttp.AddComputeContentLengthMiddleware(stack) },
		func() error { return awsmiddleware.AddClientRequestIDMiddleware(stack) },
		func() error { return awsmiddleware.AddRequestUserAgentMiddleware(stack) },
		func() error { return stack.Finalize.Add(&signer{options: o}, middleware.After) },
		func() error {
			return retry.AddRetryMiddlewares(stack, retry.AddRetryMiddlewaresOptions{
				Retryer: o.Retryer, LogRetryAttempts: o.ClientLogMode.IsRetries(),
			})
		},
		func() error { return stack.Finalize.Insert(&v4.ComputePayloadSHA256{}, signerID, middleware.Before) },
		func() error { return stack.Deserialize.Add(&deserializer{decode: decode}, middleware.After) },
		func() error { return awsmiddleware.AddRequestIDRetrieverMiddleware(stack) },
		func() error { return awshttp.AddResponseErrorMiddleware(stack) },
		func() error { return smithyhttp.AddErrorCloseResponseBodyMiddleware(stack) },
		func() error { return smithyhttp.AddCloseResponseBodyMiddleware(stack) },
		func() error { return awsmiddleware.AddRawResponseToMetadata(stack) },
		func() error { return awsmiddleware.AddRecordResponseTiming(stack) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// serializer writes the HTTP request: method, URL (the endpoint's path
// joined with the operation's), query and JSON body.
type serializer struct {
	endpoint *url.URL
	req      request
}

func (*serializer) ID() string { return "OperationSerializer" }

func (s *serializer) HandleSerialize(ctx context.Context, in middleware.SerializeInput, next middleware.SerializeHandler) (middleware.SerializeOutput, middleware.Metadata, error) {
	r, ok := in.Request.(*smithyhttp.Request)
	if !ok {
		return middleware.SerializeOutput{}, middleware.Metadata{}, fmt.Errorf("unexpected transport type %T", in.Request)
	}
	u := *s.endpoint
	escaped := strings.TrimRight(u.EscapedPath(), "/") + s.req.path
	path, err := url.PathUnescape(escaped)
	if err != nil {
		return middleware.SerializeOutput{}, middleware.Metadata{}, err
	}
	u.Path, u.RawPath = path, escaped
	u.RawQuery = s.req.query.Encode()
	r.Method = s.req.method
	r.URL = &u
	if s.req.body != nil {
		data, err := json.Marshal(s.req.body)
		if err != nil {
			return middleware.SerializeOutput{}, middleware.Metadata{}, &smithy.SerializationError{Err: err}
		}
		r.Header.Set("Content-Type", "application/json")
		if r, err = r.SetStream(bytes.NewReader(data)); err != nil {
			return middleware.SerializeOutput{}, middleware.Metadata{}, &smithy.SerializationError{Err: err}
		}
		in.Request = r
	}
	return next.HandleSerialize(ctx, in)
}

// deserializer reads the response: an error for any non-2xx status, the
// operation's output otherwise.
type deserializer struct{ decode decoder }

func (*deserializer) ID() string { return "OperationDeserializer" }

func (d *deserializer) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
	out, metadata, err := next.HandleDeserialize(ctx, in)
	if err != nil {
		return out, metadata, err
	}
	resp, ok := out.RawResponse.(*smithyhttp.Response)
	if !ok {
		return out, metadata, &smithy.DeserializationError{Err: fmt.Errorf("unknown transport type %T", out.RawResponse)}
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return out, metadata, &smithy.DeserializationError{Err: fmt.Errorf("reading the response body: %w", err)}
	}
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return out, metadata, parseError(resp.Response, body)
	}
	result, err := d.decode(resp, body)
	if err != nil {
		return out, metadata, &smithy.DeserializationError{Err: err, Snapshot: body}
	}
	out.Result = result
	return out, metadata, nil
}

const signerID = "Signing"

// signer signs each attempt with SigV4 for service quicksight, using the
// payload hash the ComputePayloadSHA256 middleware put in the context.
// It is the SDK's own signer (aws/signer/v4); only the glue is here,
// because the SDK's signing middleware is deprecated in favour of
// generated auth-scheme code this client does not have.
type signer struct{ options Options }

func (*signer) ID() string { return signerID }

func (s *signer) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	r, ok := in.Request.(*smithyhttp.Request)
	if !ok {
		return middleware.FinalizeOutput{}, middleware.Metadata{}, fmt.Errorf("unexpected transport type %T", in.Request)
	}
	creds, sign, err := retrieveCredentials(ctx, s.options.Credentials)
	if err != nil {
		return middleware.FinalizeOutput{}, middleware.Metadata{}, &v4.SigningError{Err: fmt.Errorf("retrieving credentials: %w", err)}
	}
	if sign {
		err := v4.NewSigner().SignHTTP(ctx, creds, r.Request, v4.GetPayloadHash(ctx), signingName, s.options.Region, s.options.Clock.Now().UTC())
		if err != nil {
			return middleware.FinalizeOutput{}, middleware.Metadata{}, &v4.SigningError{Err: err}
		}
	}
	return next.HandleFinalize(ctx, in)
}
