// Command bedrockemu serves the bedrock-agent emulator on a loopback port,
// for the demo and for running the runbook's AWS CLI commands locally:
//
//	bedrockemu -s3-endpoint http://127.0.0.1:5000 -seed seed.json
//	aws --endpoint-url "$(URL printed on the first line)" bedrock-agent list-knowledge-bases
//
// Knowledge bases come from -seed (a JSON file, see bedrockemu.Seed) and/or
// repeated -kb and -ds flags. The first line on stdout is the base URL, so
// scripts can read it; logs go to stderr. SIGINT or SIGTERM shut it down.
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
	"time"

	"github.com/kbwarden/kbwarden/test/bedrockemu"
)

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bedrockemu:", err)
		os.Exit(1)
	}
}

func run() error {
	var kbFlags, dsFlags listFlag
	cfg := bedrockemu.Config{}
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback only: the emulator has no authentication)")
	seed := flag.String("seed", "", "JSON seed file: {\"knowledgeBases\": [{\"id\", \"name\", \"vectorStore\": {\"type\", \"bucket\", \"index\"}, \"dataSources\": [{\"id\", \"bucket\", \"prefix\", \"metadataPrefix\", \"accessControl\", \"globalAclFile\"}]}]}")
	verbose := flag.Bool("v", false, "log every request and job outcome to stderr")
	flag.StringVar(&cfg.S3Endpoint, "s3-endpoint", firstNonEmpty(os.Getenv("AWS_ENDPOINT_URL_S3"), os.Getenv("AWS_ENDPOINT_URL")), "S3 and S3 Vectors endpoint (moto), addressed path-style; default $AWS_ENDPOINT_URL_S3 or $AWS_ENDPOINT_URL")
	flag.StringVar(&cfg.Region, "region", "us-east-1", "region used in ARNs")
	flag.StringVar(&cfg.AccountID, "account", "123456789012", "account ID used in ARNs and aws:SourceAccount")
	flag.Var(&kbFlags, "kb", "knowledge base, repeatable: id=KBID,bucket=VECTORBUCKET[,type=S3|S3Vectors][,index=INDEX][,name=NAME]")
	flag.Var(&dsFlags, "ds", "data source, repeatable: kb=KBID,id=DSID,bucket=DOCBUCKET[,prefix=P][,metadata-prefix=P][,acl=true][,global-acl=KEY][,name=NAME]")
	flag.DurationVar(&cfg.StartingFor, "starting-for", 2*time.Second, "how long a job stays STARTING")
	flag.DurationVar(&cfg.RunningFor, "running-for", 5*time.Second, "how long a job stays IN_PROGRESS")
	flag.DurationVar(&cfg.StoppingFor, "stopping-for", 2*time.Second, "how long a stopped job stays STOPPING")
	flag.DurationVar(&cfg.StartInterval, "start-interval", 10*time.Second, "StartIngestionJob quota: one call per interval (negative: unlimited)")
	flag.IntVar(&cfg.StartBurst, "start-burst", 1, "StartIngestionJob quota: calls allowed in a burst")
	flag.IntVar(&cfg.MaxConcurrentJobs, "max-concurrent-jobs", 5, "running jobs allowed per account")
	flag.DurationVar(&cfg.IdempotencyWindow, "idempotency-window", 8*time.Hour, "how long a clientToken is remembered")
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flag.Args())
	}
	if *seed != "" {
		kbs, err := bedrockemu.LoadSeed(*seed)
		if err != nil {
			return err
		}
		cfg.KnowledgeBases = kbs
	}
	if err := addFlagSeeds(&cfg, kbFlags, dsFlags); err != nil {
		return err
	}
	if *verbose {
		logger := log.New(os.Stderr, "bedrockemu: ", log.LstdFlags|log.Lmicroseconds)
		cfg.Logf = logger.Printf
	}
	srv, err := bedrockemu.New(cfg)
	if err != nil {
		return err
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

// addFlagSeeds turns -kb and -ds values into seeds, after those of -seed.
func addFlagSeeds(cfg *bedrockemu.Config, kbFlags, dsFlags []string) error {
	for _, f := range kbFlags {
		kv, err := parseKV(f, "id", "bucket", "type", "index", "name")
		if err != nil {
			return fmt.Errorf("-kb %q: %w", f, err)
		}
		cfg.KnowledgeBases = append(cfg.KnowledgeBases, bedrockemu.KnowledgeBase{
			ID: kv["id"], Name: kv["name"],
			VectorStore: bedrockemu.VectorStore{Type: bedrockemu.StorageType(kv["type"]), Bucket: kv["bucket"], Index: kv["index"]},
		})
	}
	for _, f := range dsFlags {
		kv, err := parseKV(f, "kb", "id", "bucket", "prefix", "metadata-prefix", "acl", "global-acl", "name")
		if err != nil {
			return fmt.Errorf("-ds %q: %w", f, err)
		}
		acl := false
		if v, ok := kv["acl"]; ok {
			if acl, err = strconv.ParseBool(v); err != nil {
				return fmt.Errorf("-ds %q: acl: %w", f, err)
			}
		}
		ds := bedrockemu.DataSource{ID: kv["id"], Name: kv["name"], Bucket: kv["bucket"], Prefix: kv["prefix"],
			MetadataPrefix: kv["metadata-prefix"], AccessControl: acl, GlobalACLFile: kv["global-acl"]}
		found := false
		for i := range cfg.KnowledgeBases {
			if cfg.KnowledgeBases[i].ID == kv["kb"] {
				cfg.KnowledgeBases[i].DataSources = append(cfg.KnowledgeBases[i].DataSources, ds)
				found = true
			}
		}
		if !found {
			return fmt.Errorf("-ds %q: no knowledge base %q (declare it with -kb or -seed)", f, kv["kb"])
		}
	}
	return nil
}

// parseKV parses "k=v,k=v" and refuses keys outside allowed, so a typo is
// reported rather than ignored.
func parseKV(s string, allowed ...string) (map[string]string, error) {
	out := map[string]string{}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("%q is not key=value", part)
		}
		known := false
		for _, a := range allowed {
			known = known || a == k
		}
		if !known {
			return nil, errors.New("unknown key " + strconv.Quote(k) + "; known: " + strings.Join(allowed, ", "))
		}
		out[k] = v
	}
	return out, nil
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
