package quick

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go/logging"
	"github.com/aws/smithy-go/middleware"
	"k8s.io/utils/clock"
)

// ServiceID is the SDK's service ID for Amazon Quick: the name in
// smithy.OperationError, in aws.Config.ServiceOptions and, upper-cased, in
// the AWS_ENDPOINT_URL_QUICKSIGHT variable.
const ServiceID = "QuickSight"

// signingName is the SigV4 service name, the model's endpointPrefix.
const signingName = "quicksight"

// Options configure a Client. The fields the SDK's quicksight.Options has
// carry the same names and meanings, so NewFromConfig(cfg, optFns...) calls
// written for this client keep compiling against the SDK.
type Options struct {
	// Region is the signing region and, without BaseEndpoint, picks the
	// regional endpoint.
	Region string
	// BaseEndpoint overrides the endpoint, for example a local emulator.
	BaseEndpoint *string
	// Credentials sign every request (SigV4, service quicksight).
	Credentials aws.CredentialsProvider
	// HTTPClient sends requests. It is the aws.Config's client, used as is:
	// wrapping it would lose what the SDK configured on it (AWS_CA_BUNDLE).
	HTTPClient aws.HTTPClient
	// Retryer decides retries and backoff; nil means retry.NewStandard.
	Retryer aws.Retryer
	// RetryMaxAttempts, when not zero, caps the attempts of Retryer.
	RetryMaxAttempts int
	// APIOptions add middleware to every operation's stack.
	APIOptions []func(*middleware.Stack) error
	// Logger and ClientLogMode are the SDK's logging settings.
	Logger        logging.Logger
	ClientLogMode aws.ClientLogMode

	// Clock gives the signing time. It is not an SDK option: it lets tests
	// drive signing with a fake clock (k8s.io/utils/clock) as the rest of
	// kbwarden does. Nil means the wall clock.
	Clock clock.PassiveClock
}

// Copy returns a copy of o whose slices can be appended to independently.
func (o Options) Copy() Options {
	to := o
	to.APIOptions = append([]func(*middleware.Stack) error(nil), o.APIOptions...)
	return to
}

// Client calls the Amazon Quick knowledge base operations kbwarden uses.
// It is safe for concurrent use.
type Client struct {
	options Options
}

// New returns a client from explicit options, like quicksight.New.
func New(options Options, optFns ...func(*Options)) *Client {
	options = options.Copy()
	for _, fn := range optFns {
		fn(&options)
	}
	resolveDefaults(&options)
	return &Client{options: options}
}

// NewFromConfig returns a client configured from cfg the way the SDK's
// quicksight.NewFromConfig does: region, credentials, HTTP client,
// retryer, API options, aws.Config.BaseEndpoint and then the configured
// endpoints (AWS_ENDPOINT_URL_QUICKSIGHT, or AWS_ENDPOINT_URL, or the
// shared config's services section) found in cfg.ConfigSources, and last
// cfg.ServiceOptions and optFns.
func NewFromConfig(cfg aws.Config, optFns ...func(*Options)) *Client {
	opts := Options{
		Region:           cfg.Region,
		Credentials:      cfg.Credentials,
		HTTPClient:       cfg.HTTPClient,
		APIOptions:       cfg.APIOptions,
		Logger:           cfg.Logger,
		ClientLogMode:    cfg.ClientLogMode,
		RetryMaxAttempts: cfg.RetryMaxAttempts,
	}
	if cfg.Retryer != nil {
		opts.Retryer = cfg.Retryer()
	}
	resolveBaseEndpoint(cfg, &opts)
	return New(opts, func(o *Options) {
		for _, fn := range cfg.ServiceOptions {
			fn(ServiceID, o)
		}
		for _, fn := range optFns {
			fn(o)
		}
	})
}

// Options returns a copy of the client's options.
func (c *Client) Options() Options { return c.options.Copy() }

func resolveDefaults(o *Options) {
	if o.HTTPClient == nil {
		o.HTTPClient = awshttp.NewBuildableClient()
	}
	if o.Retryer == nil {
		o.Retryer = retry.NewStandard()
	}
	if o.RetryMaxAttempts != 0 {
		o.Retryer = retry.AddWithMaxAttempts(o.Retryer, o.RetryMaxAttempts)
	}
	if o.Logger == nil {
		o.Logger = logging.Nop{}
	}
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
}

// resolveOperationOptions applies per-call option functions to a copy of
// the client's options, as generated clients do.
func (c *Client) resolveOperationOptions(optFns []func(*Options)) Options {
	o := c.options.Copy()
	maxAttempts := o.RetryMaxAttempts
	for _, fn := range optFns {
		fn(&o)
	}
	if o.RetryMaxAttempts != maxAttempts && o.RetryMaxAttempts != 0 {
		o.Retryer = retry.AddWithMaxAttempts(o.Retryer, o.RetryMaxAttempts)
	}
	return o
}

// retrieveCredentials returns the signing credentials and whether to sign:
// with no provider, or the SDK's anonymous one, the request goes unsigned,
// as it would from a generated client.
func retrieveCredentials(ctx context.Context, p aws.CredentialsProvider) (aws.Credentials, bool, error) {
	if p == nil || aws.IsCredentialsProvider(p, aws.AnonymousCredentials{}) {
		return aws.Credentials{}, false, nil
	}
	creds, err := p.Retrieve(ctx)
	return creds, err == nil, err
}
