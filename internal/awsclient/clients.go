// Package awsclient builds the AWS SDK clients kbwarden uses, once per
// identity and region, from the SDK's default credential chain (so IRSA and
// EKS Pod Identity work) and its endpoint settings (AWS_ENDPOINT_URL and the
// per-service AWS_ENDPOINT_URL_<SERVICE> variables), and adapts them to the
// narrow interfaces the reconciler owns. An identity is the manager's own or
// a tenant role assumed from it (sessions.go).
package awsclient

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagent"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3vectors"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"k8s.io/utils/clock"

	"github.com/kbwarden/kbwarden/internal/quick"
)

// Clients are the SDK clients of one region.
type Clients struct {
	Region       string
	S3           *s3.Client
	S3Vectors    *s3vectors.Client
	STS          *sts.Client
	BedrockAgent *bedrockagent.Client
	// Quick calls Amazon Quick's knowledge base operations (service
	// quicksight); its endpoint follows AWS_ENDPOINT_URL_QUICKSIGHT.
	Quick *quick.Client
	// Identity is whose credentials the clients carry.
	Identity Identity

	// caller is shared by every region's clients of one identity: the
	// answer of sts:GetCallerIdentity does not depend on the region.
	caller *callerCache
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
	// quick are extra options of every Amazon Quick client.
	quick []func(*quick.Options)

	// clock decides when idle sessions are dropped.
	clock clock.PassiveClock

	mu       sync.Mutex
	byRegion map[string]*Clients
	// sessions are the assumed-role identities, by Identity (sessions.go).
	sessions  map[Identity]*session
	lastSweep time.Time
	// base is the session of the manager's own identity.
	baseSession *session
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

// WithQuickOptions applies fns to every Amazon Quick client, for example
// to point it at a local emulator with BaseEndpoint. Without it the
// client's own endpoint resolution applies (AWS_ENDPOINT_URL_QUICKSIGHT).
func WithQuickOptions(fns ...func(*quick.Options)) Option {
	return func(f *Factory) { f.quick = append(f.quick, fns...) }
}

// NewFactory returns a Factory over base. defaultRegion, when set, is used for
// KnowledgeBases without spec.region; otherwise base.Region is.
func NewFactory(base aws.Config, defaultRegion string, s3PathStyle bool, opts ...Option) *Factory {
	if defaultRegion != "" {
		base.Region = defaultRegion
	}
	f := &Factory{base: base, s3PathStyle: s3PathStyle, byRegion: map[string]*Clients{}, sessions: map[Identity]*session{}, clock: clock.RealClock{}}
	for _, o := range opts {
		o(f)
	}
	f.baseSession = &session{creds: base.Credentials, caller: &callerCache{creds: base.Credentials}, clients: f.byRegion}
	f.lastSweep = f.clock.Now()
	return f
}

// WithClock sets the clock that ages idle sessions (a fake one in tests).
func WithClock(c clock.PassiveClock) Option {
	return func(f *Factory) { f.clock = c }
}

// DefaultRegion is the region used when a KnowledgeBase names none.
func (f *Factory) DefaultRegion() string { return f.base.Region }

// For returns the clients of region ("" means the default region) with the
// manager's own credentials, as --tenancy=Optional uses them. It is
// ForIdentity(Base, region).
func (f *Factory) For(region string) (*Clients, error) {
	return f.ForIdentity(Base, region)
}

// resolveRegion applies the default region.
func (f *Factory) resolveRegion(region string) (string, error) {
	if region == "" {
		region = f.base.Region
	}
	if region == "" {
		return "", fmt.Errorf("no AWS region: set spec.region, the manager's --aws-region flag, or AWS_REGION")
	}
	return region, nil
}

// newClients builds the clients of one region over creds. The caller holds f.mu.
func (f *Factory) newClients(id Identity, s *session, region string) *Clients {
	cfg := f.base.Copy()
	cfg.Region = region
	cfg.Credentials = s.creds
	return &Clients{
		Region:       region,
		Identity:     id,
		S3:           s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = f.s3PathStyle }, QuietS3),
		S3Vectors:    s3vectors.NewFromConfig(cfg),
		STS:          sts.NewFromConfig(cfg),
		BedrockAgent: bedrockagent.NewFromConfig(cfg, f.bedrockAgent...),
		Quick:        quick.NewFromConfig(cfg, f.quick...),
		caller:       s.caller,
	}
}

// AccountID returns the account of the credentials, asked of STS once per
// identity and cached: the account of a role cannot change. A failure is
// not cached, so a transient STS error is retried on the next call.
func (c *Clients) AccountID(ctx context.Context) (string, error) {
	return c.caller.account(ctx, c.STS, c.Identity)
}

// CallerIdentity returns what sts:GetCallerIdentity says of the clients'
// current credentials. It retrieves the credentials first (free while they
// are cached; an AssumeRole when they are about to expire) and asks STS only
// for credentials it has not asked about yet, so a steady state costs no
// AWS call, and a role that can no longer be assumed shows within one
// credentials lifetime.
func (c *Clients) CallerIdentity(ctx context.Context) (Caller, error) {
	return c.caller.identity(ctx, c.STS, c.Identity)
}
