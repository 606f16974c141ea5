// Command quickemu serves the Amazon Quick emulator on a loopback port, for
// the demo and for running AWS CLI commands locally:
//
//	quickemu -s3-endpoint http://127.0.0.1:5000 \
//	    -kb account=123456789012,id=hr-kb,bucket=docs,prefix=hr/,acl=PerDocument
//	AWS_ENDPOINT_URL_QUICKSIGHT="$(first line)" aws quicksight describe-knowledge-base ...
//	curl -X POST "$(first line)/_quickemu/accounts/123456789012/knowledge-bases/hr-kb/refresh"
//	curl "$(first line)/_quickemu/accounts/123456789012/knowledge-bases/hr-kb/retrievable?group=Contractors"
//
// The first line on stdout is the base URL, so scripts can read it; logs
// go to stderr. SIGINT or SIGTERM shut it down.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/kbwarden/kbwarden/test/quickemu"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "quickemu:", err)
		os.Exit(1)
	}
}

func run() error {
	var kbFlags listFlag
	cfg := quickemu.Config{}
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback only: signatures are checked for shape, not value)")
	verbose := flag.Bool("v", false, "log every request and ingestion to stderr")
	flag.StringVar(&cfg.S3Endpoint, "s3-endpoint", firstNonEmpty(os.Getenv("AWS_ENDPOINT_URL_S3"), os.Getenv("AWS_ENDPOINT_URL")), "S3 endpoint (moto), addressed path-style; default $AWS_ENDPOINT_URL_S3 or $AWS_ENDPOINT_URL")
	flag.StringVar(&cfg.Region, "region", "us-east-1", "region requests must be signed for")
	flag.Var(&kbFlags, "kb", "knowledge base, repeatable: account=ACCT,id=ID,bucket=B[,prefix=P][,acl=Global|PerDocument][,global-acl=KEY][,metadata-prefix=P][,name=N][,schedule=DAILY|HOURLY]")
	flag.DurationVar(&cfg.QueuedFor, "queued-for", 0, "how long an ingestion stays QUEUED")
	flag.DurationVar(&cfg.RunningFor, "running-for", 0, "how long an ingestion stays RUNNING")
	flag.DurationVar(&cfg.StartInterval, "start-interval", 0, "manual refresh quota: one per interval per account (0: unlimited)")
	flag.IntVar(&cfg.StartBurst, "start-burst", 1, "manual refresh quota: refreshes allowed in a burst")
	flag.BoolVar(&cfg.HourlyRefresh, "hourly-refresh", false, "accounts are enabled for HOURLY schedules")
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flag.Args())
	}
	if *verbose {
		cfg.Logf = log.New(os.Stderr, "quickemu: ", log.LstdFlags|log.Lmicroseconds).Printf
	}
	srv, err := quickemu.New(cfg)
	if err != nil {
		return err
	}
	for _, f := range kbFlags {
		kb, err := parseKB(f)
		if err != nil {
			return fmt.Errorf("-kb %q: %w", f, err)
		}
		if err := srv.AddKnowledgeBase(kb); err != nil {
			return err
		}
	}
	if err := srv.Start(*addr); err != nil {
		return err
	}
	fmt.Println(srv.URL())
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return srv.Close()
}

func parseKB(s string) (quickemu.KnowledgeBase, error) {
	allowed := []string{"account", "id", "bucket", "prefix", "acl", "global-acl", "metadata-prefix", "name", "schedule"}
	kv := map[string]string{}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return quickemu.KnowledgeBase{}, fmt.Errorf("%q is not key=value", part)
		}
		known := false
		for _, a := range allowed {
			known = known || a == k
		}
		if !known {
			return quickemu.KnowledgeBase{}, errors.New("unknown key " + strconv.Quote(k) + "; known: " + strings.Join(allowed, ", "))
		}
		kv[k] = v
	}
	kb := quickemu.KnowledgeBase{AccountID: kv["account"], ID: kv["id"], Name: kv["name"], Bucket: kv["bucket"],
		Prefix: kv["prefix"], AccessControl: quickemu.ACLMode(kv["acl"]), GlobalACLFile: kv["global-acl"],
		MetadataPrefix: kv["metadata-prefix"]}
	if v := kv["schedule"]; v != "" {
		kb.Schedule = &quickemu.Schedule{Interval: v}
	}
	return kb, nil
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
