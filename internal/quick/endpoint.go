package quick

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// serviceEndpointProvider is what config.EnvConfig, config.SharedConfig and
// config.LoadOptions implement for configured endpoints. The SDK's
// generated clients read it through an internal package; the method is
// public, so a type assertion on aws.Config.ConfigSources reaches it.
type serviceEndpointProvider interface {
	GetServiceBaseEndpoint(ctx context.Context, sdkID string) (string, bool, error)
}

// ignoreConfiguredEndpointsProvider carries AWS_IGNORE_CONFIGURED_ENDPOINT_URLS.
type ignoreConfiguredEndpointsProvider interface {
	GetIgnoreConfiguredEndpoints(ctx context.Context) (bool, bool, error)
}

// resolveBaseEndpoint does what a generated client's resolveBaseEndpoint
// does: take aws.Config.BaseEndpoint, then let a configured endpoint for
// the service override it, unless only the global AWS_ENDPOINT_URL is set
// (already in BaseEndpoint through the environment configuration).
func resolveBaseEndpoint(cfg aws.Config, o *Options) {
	if cfg.BaseEndpoint != nil {
		o.BaseEndpoint = cfg.BaseEndpoint
	}
	_, global := os.LookupEnv("AWS_ENDPOINT_URL")
	_, service := os.LookupEnv("AWS_ENDPOINT_URL_QUICKSIGHT")
	if global && !service {
		return
	}
	if v, found := configuredEndpoint(cfg.ConfigSources); found {
		o.BaseEndpoint = &v
	}
}

func configuredEndpoint(sources []any) (string, bool) {
	ctx := context.Background()
	for _, s := range sources {
		if p, ok := s.(ignoreConfiguredEndpointsProvider); ok {
			if ignore, found, _ := p.GetIgnoreConfiguredEndpoints(ctx); found {
				if ignore {
					return "", false
				}
				break
			}
		}
	}
	for _, s := range sources {
		if p, ok := s.(serviceEndpointProvider); ok {
			v, found, err := p.GetServiceBaseEndpoint(ctx, ServiceID)
			if err != nil {
				return "", false
			}
			if found {
				return v, true
			}
		}
	}
	return "", false
}

// endpointURL is where an operation is sent: BaseEndpoint when set, else
// the regional endpoint of the partition. FIPS and dual-stack endpoints
// are not modelled; set BaseEndpoint to use one.
func endpointURL(o Options) (*url.URL, error) {
	raw := aws.ToString(o.BaseEndpoint)
	if raw == "" {
		if o.Region == "" {
			return nil, fmt.Errorf("quicksight: no region and no BaseEndpoint: set the region or an endpoint")
		}
		suffix := "amazonaws.com"
		if strings.HasPrefix(o.Region, "cn-") {
			suffix = "amazonaws.com.cn"
		}
		raw = "https://quicksight." + o.Region + "." + suffix
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("quicksight: endpoint %q: %w", raw, err)
	}
	if u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("quicksight: endpoint %q is not an absolute URL", raw)
	}
	return u, nil
}
