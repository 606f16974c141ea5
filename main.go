// Command kbwarden is the manager: it runs the KnowledgeBase controller.
package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/go-logr/zapr"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/controllers"
	"github.com/kbwarden/kbwarden/internal/awsclient"
	"github.com/kbwarden/kbwarden/internal/awslog"
)

// options are the manager's command-line flags.
type options struct {
	metricsAddr             string
	metricsSecure           bool
	enableHTTP2             bool
	probeAddr               string
	leaderElect             bool
	leaderElectionNamespace string
	awsRegion               string
	logLevel                string
	logFormat               string
	maxConcurrentReconciles int
	allowedBuckets          string
	s3PathStyle             bool
	ingestionStartInterval  time.Duration
	ingestionPollMin        time.Duration
	tenancy                 string
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("kbwarden", flag.ContinueOnError)
	fs.StringVar(&o.metricsAddr, "metrics-bind-address", ":8443", "Address the Prometheus metrics endpoint binds to; 0 disables it.")
	fs.BoolVar(&o.metricsSecure, "metrics-secure", true, "Serve metrics over HTTPS, only to callers whose token the API server authenticates and authorizes for GET /metrics (the metrics-reader ClusterRole); false serves plain HTTP to anyone.")
	fs.BoolVar(&o.enableHTTP2, "enable-http2", false, "Allow HTTP/2 on the metrics endpoint; off by default against the HTTP/2 Rapid Reset and Stream Cancellation attacks (CVE-2023-44487, CVE-2023-39325).")
	fs.StringVar(&o.probeAddr, "health-probe-bind-address", ":8081", "Address the /healthz and /readyz probes bind to.")
	fs.BoolVar(&o.leaderElect, "leader-elect", false, "Elect a leader so that only one replica reconciles at a time.")
	fs.StringVar(&o.leaderElectionNamespace, "leader-election-namespace", "", "Namespace of the leader election lease; defaults to the pod's namespace.")
	fs.StringVar(&o.awsRegion, "aws-region", "", "Default AWS region for KnowledgeBases without spec.region; defaults to the SDK's (AWS_REGION).")
	fs.StringVar(&o.logLevel, "log-level", "info", "Log level: debug, info, warn or error.")
	fs.StringVar(&o.logFormat, "log-format", "json", "Log format: json (for production) or console (for humans).")
	fs.StringVar(&o.allowedBuckets, "allowed-buckets", "", "Comma-separated shell patterns of bucket names kbwarden may act on (for example 'kb-vectors-*,acme-docs-*'); empty admits every bucket.")
	fs.BoolVar(&o.s3PathStyle, "s3-path-style", false, "Address S3 buckets path-style, as an S3 endpoint on an IP address (AWS_ENDPOINT_URL_S3) needs.")
	fs.DurationVar(&o.ingestionStartInterval, "ingestion-start-interval", controllers.DefaultIngestionOptions.StartInterval, "Least time between two StartIngestionJob calls per AWS account and region (Bedrock's quota is about one per 10s); KnowledgeBases take turns.")
	fs.DurationVar(&o.ingestionPollMin, "ingestion-poll-min", controllers.DefaultIngestionOptions.PollMin, "Least time between two looks at a running ingestion job; the delay grows with the job's age.")
	fs.IntVar(&o.maxConcurrentReconciles, "max-concurrent-reconciles", 4, "KnowledgeBases reconciled in parallel.")
	fs.StringVar(&o.tenancy, "tenancy", string(controllers.TenancyRequired), "Required: a KnowledgeBase acts only through a Ready AccountBinding selecting its namespace, on what it grants. Optional: kbwarden's own identity, bounded only by --allowed-buckets (for a cluster one team owns).")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.logFormat != "json" && o.logFormat != "console" {
		return o, fmt.Errorf("--log-format must be json or console, not %q", o.logFormat)
	}
	if _, err := controllers.ParseTenancyMode(o.tenancy); err != nil {
		return o, err
	}
	return o, nil
}

// tenancyOptions are the tenancy settings the flags say.
func (o options) tenancyOptions() (controllers.TenancyOptions, error) {
	mode, err := controllers.ParseTenancyMode(o.tenancy)
	if err != nil {
		return controllers.TenancyOptions{}, err
	}
	allowed, err := controllers.ParseBucketAllowList(o.allowedBuckets)
	if err != nil {
		return controllers.TenancyOptions{}, fmt.Errorf("--allowed-buckets: %w", err)
	}
	return controllers.TenancyOptions{Mode: mode, AllowedBuckets: allowed}, nil
}

// metricsOptions serve metrics as kubebuilder v4 projects do: over HTTPS
// (a self-signed certificate unless one is mounted), each request's bearer
// token checked by the API server (TokenReview, then SubjectAccessReview
// for GET /metrics), and HTTP/2 off unless asked for.
func (o options) metricsOptions() metricsserver.Options {
	m := metricsserver.Options{BindAddress: o.metricsAddr, SecureServing: o.metricsSecure}
	if !o.enableHTTP2 {
		m.TLSOpts = []func(*tls.Config){func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} }}
	}
	if o.metricsSecure {
		m.FilterProvider = filters.WithAuthenticationAndAuthorization
	}
	return m
}

// newManager builds the manager, without controllers, from the flags.
func newManager(cfg *rest.Config, scheme *runtime.Scheme, o options) (ctrl.Manager, error) {
	return ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                  scheme,
		Metrics:                 o.metricsOptions(),
		HealthProbeBindAddress:  o.probeAddr,
		LeaderElection:          o.leaderElect,
		LeaderElectionID:        "kbwarden.kbwarden.io",
		LeaderElectionNamespace: o.leaderElectionNamespace,
		Cache:                   controllers.CacheOptions(),
	})
}

// newLogger builds a zap logger of the chosen level and format.
func newLogger(level, format string) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	cfg := zap.NewProductionConfig()
	if format == "console" {
		cfg = zap.NewDevelopmentConfig()
		cfg.EncoderConfig.EncodeLevel = zapcore.CapitalColorLevelEncoder
	}
	cfg.Level = zap.NewAtomicLevelAt(lvl)
	cfg.EncoderConfig.EncodeTime = zapcore.ISO8601TimeEncoder
	return cfg.Build()
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "kbwarden:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	opts, err := parseFlags(args)
	if err != nil {
		return err
	}
	zl, err := newLogger(opts.logLevel, opts.logFormat)
	if err != nil {
		return err
	}
	defer func() { _ = zl.Sync() }()
	ctrl.SetLogger(zapr.NewLogger(zl))
	setupLog := ctrl.Log.WithName("setup")

	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(kbv1.AddToScheme(scheme))

	tenancy, err := opts.tenancyOptions()
	if err != nil {
		return err
	}
	allowed := tenancy.AllowedBuckets
	for _, w := range tenancy.Warnings() {
		zl.Warn(w)
	}
	// The SDK's default chain: environment, IRSA web identity, EKS Pod
	// Identity, instance role; AWS_ENDPOINT_URL(_<SERVICE>) are honoured.
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		return fmt.Errorf("loading the AWS configuration: %w", err)
	}
	awsCfg.Logger = awslog.NewLogger(ctrl.Log.WithName("aws-sdk"))
	// One factory for both controllers: tenant sessions and caller
	// identities are cached once for the manager.
	factory := awsclient.NewFactory(awsCfg, opts.awsRegion, opts.s3PathStyle)

	mgr, err := newManager(ctrl.GetConfigOrDie(), scheme, opts)
	if err != nil {
		return fmt.Errorf("creating the manager: %w", err)
	}
	if err := controllers.NewKnowledgeBaseReconciler(controllers.Config{
		Client:                  mgr.GetClient(),
		Recorder:                mgr.GetEventRecorder(controllers.ControllerName),
		APIReader:               mgr.GetAPIReader(),
		AWS:                     factory,
		AllowedBuckets:          allowed,
		Tenancy:                 tenancy.Mode,
		Ingestion:               controllers.IngestionOptions{StartInterval: opts.ingestionStartInterval, PollMin: opts.ingestionPollMin},
		MaxConcurrentReconciles: opts.maxConcurrentReconciles,
	}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("registering the KnowledgeBase controller: %w", err)
	}
	if err := (&controllers.AccountBindingReconciler{
		Client:   mgr.GetClient(),
		AWS:      factory,
		Recorder: mgr.GetEventRecorder(controllers.AccountBindingControllerName),
	}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("registering the AccountBinding controller: %w", err)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return err
	}
	setupLog.Info("starting manager", "region", awsCfg.Region, "tenancy", tenancy.Mode, "allowedBuckets", allowed.String(), "metrics", opts.metricsAddr, "metricsSecure", opts.metricsSecure, "probes", opts.probeAddr, "leaderElection", opts.leaderElect)
	return mgr.Start(ctrl.SetupSignalHandler())
}
