// Package awsclient builds the AWS SDK clients kbwarden uses, once per
// region, from the SDK's default credential chain (so IRSA and EKS Pod
// Identity work) and its endpoint settings (AWS_ENDPOINT_URL and the
// per-service AWS_ENDPOINT_URL_<SERVICE> variables), and adapts them to the
// narrow interfaces the reconciler owns.
package awsclient

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagent"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3vectors"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Clients are the SDK clients of one region.
type Clients struct {
	Region       string
	S3           *s3.Client
	S3Vectors    *s3vectors.Client
	STS          *sts.Client
	BedrockAgent *bedrockagent.Client

	accountMu sync.Mutex
	account   string
}

// Factory hands out Clients per region, built once and cached. The base
// configuration comes from config.LoadDefaultConfig; the SDK keeps its own
// HTTP client (which honours AWS_CA_BUNDLE).
type Factory struct {
	base aws.Config
	// s3PathStyle forces path-style S3 addressing, needed for an S3 endpoint
	// on an IP address such as a local emulator.
	s3PathStyle bool
	// bedrockAgent are extra options of every bedrock-agent client.
	bedrockAgent []func(*bedrockagent.Options)

	mu       sync.Mutex
	byRegion map[string]*Clients
}

// Option tunes the clients a Factory builds.
type Option func(*Factory)

// WithBedrockAgentOptions applies fns to every bedrock-agent client, for
// example to point it at a local emulator with BaseEndpoint. Without it
// the SDK's own endpoint resolution applies, so AWS_ENDPOINT_URL_BEDROCK_AGENT
// keeps working in production.
func WithBedrockAgentOptions(fns ...func(*bedrockagent.Options)) Option {
	return func(f *Factory) { f.bedrockAgent = append(f.bedrockAgent, fns...) }
}

// NewFactory returns a Factory over base. defaultRegion, when set, is used for
// KnowledgeBases without spec.region; otherwise base.Region is.
func NewFactory(base aws.Config, defaultRegion string, s3PathStyle bool, opts ...Option) *Factory {
	if defaultRegion != "" {
		base.Region = defaultRegion
	}
	f := &Factory{base: base, s3PathStyle: s3PathStyle, byRegion: map[string]*Clients{}}
	for _, o := range opts {
		o(f)
	}
	return f
}

// DefaultRegion is the region used when a KnowledgeBase names none.
func (f *Factory) DefaultRegion() string { return f.base.Region }

// For returns the clients of region ("" means the default region).
func (f *Factory) For(region string) (*Clients, error) {
	if region == "" {
		region = f.base.Region
	}
	if region == "" {
		return nil, fmt.Errorf("no AWS region: set spec.region, the manager's --aws-region flag, or AWS_REGION")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.byRegion[region]; ok {
		return c, nil
	}
	cfg := f.base.Copy()
	cfg.Region = region
	c := &Clients{
		Region:       region,
		S3:           s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = f.s3PathStyle }, QuietS3),
		S3Vectors:    s3vectors.NewFromConfig(cfg),
		STS:          sts.NewFromConfig(cfg),
		BedrockAgent: bedrockagent.NewFromConfig(cfg, f.bedrockAgent...),
	}
	f.byRegion[region] = c
	return c, nil
}

// AccountID returns the account of the credentials, asked of STS once and
// cached: it does not change while the process runs. A failure is not
// cached, so a transient STS error is retried on the next call.
func (c *Clients) AccountID(ctx context.Context) (string, error) {
	c.accountMu.Lock()
	defer c.accountMu.Unlock()
	if c.account != "" {
		return c.account, nil
	}
	out, err := c.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", err
	}
	c.account = aws.ToString(out.Account)
	return c.account, nil
}
