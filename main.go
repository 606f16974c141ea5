// Command kbwarden is the manager: it runs the KnowledgeBase controller.
package main

import (
	"context"
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
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/controllers"
	"github.com/kbwarden/kbwarden/internal/awsclient"
)

// options are the manager's command-line flags.
type options struct {
	metricsAddr             string
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
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("kbwarden", flag.ContinueOnError)
	fs.StringVar(&o.metricsAddr, "metrics-bind-address", ":8080", "Address the Prometheus metrics endpoint binds to; 0 disables it.")
	fs.StringVar(&o.probeAddr, "health-probe-bind-address", ":8081", "Address the /healthz and /readyz probes bind to.")
	fs.BoolVar(&o.leaderElect, "leader-elect", false, "Elect a leader so that only one replica reconciles at a time.")
	fs.StringVar(&o.leaderElectionNamespace, "leader-election-namespace", "", "Namespace of the leader election lease; defaults to the pod's namespace.")
	fs.StringVar(&o.awsRegion, "aws-region", "", "Default AWS region for KnowledgeBases without spec.region; defaults to the SDK's (AWS_REGION).")
	fs.StringVar(&o.logLevel, "log-level", "info", "Log level: debug, info, warn or error.")
	fs.StringVar(&o.logFormat, "log-format", "json", "Log format: json (for production) or console (for humans).")
	fs.StringVar(&o.allowedBuckets, "allowed-buckets", "", "Comma-separated shell patterns of bucket names kbwarden may act on (for example 'kb-vectors-*,acme-docs-*'); empty admits every bucket.")
	fs.BoolVar(&o.s3PathStyle, "s3-path-style", false, "Address S3 buckets path-style, as an S3 endpoint on an IP address (AWS_ENDPOINT_URL_S3) needs.")
	fs.DurationVar(&o.ingestionStartInterval, "ingestion-start-interval", controllers.DefaultIngestionOptions.StartInterval, "Least time between two StartIngestionJob calls per AWS account and region (Bedrock's quota is about one per 10s); KnowledgeBases take turns.")
	fs.IntVar(&o.maxConcurrentReconciles, "max-concurrent-reconciles", 4, "KnowledgeBases reconciled in parallel.")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.logFormat != "json" && o.logFormat != "console" {
		return o, fmt.Errorf("--log-format must be json or console, not %q", o.logFormat)
	}
	return o, nil
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

	allowed, err := controllers.ParseBucketAllowList(opts.allowedBuckets)
	if err != nil {
		return fmt.Errorf("--allowed-buckets: %w", err)
	}
	// The SDK's default chain: environment, IRSA web identity, EKS Pod
	// Identity, instance role; AWS_ENDPOINT_URL(_<SERVICE>) are honoured.
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		return fmt.Errorf("loading the AWS configuration: %w", err)
	}
	awsCfg.Logger = awsclient.NewLogger(ctrl.Log.WithName("aws-sdk"))

	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Scheme:                  scheme,
		Metrics:                 metricsserver.Options{BindAddress: opts.metricsAddr},
		HealthProbeBindAddress:  opts.probeAddr,
		LeaderElection:          opts.leaderElect,
		LeaderElectionID:        "kbwarden.kbwarden.io",
		LeaderElectionNamespace: opts.leaderElectionNamespace,
		Cache:                   controllers.CacheOptions(),
	})
	if err != nil {
		return fmt.Errorf("creating the manager: %w", err)
	}
	if err := controllers.NewKnowledgeBaseReconciler(controllers.Config{
		Client:                  mgr.GetClient(),
		Recorder:                mgr.GetEventRecorder(controllers.ControllerName),
		APIReader:               mgr.GetAPIReader(),
		AWS:                     awsclient.NewFactory(awsCfg, opts.awsRegion, opts.s3PathStyle),
		AllowedBuckets:          allowed,
		Ingestion:               controllers.IngestionOptions{StartInterval: opts.ingestionStartInterval},
		MaxConcurrentReconciles: opts.maxConcurrentReconciles,
	}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("registering the KnowledgeBase controller: %w", err)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return err
	}
	setupLog.Info("starting manager", "region", awsCfg.Region, "allowedBuckets", allowed.String(), "metrics", opts.metricsAddr, "probes", opts.probeAddr, "leaderElection", opts.leaderElect)
	return mgr.Start(ctrl.SetupSignalHandler())
}
