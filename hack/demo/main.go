// Command demo runs kbwarden's main job on this machine, end to end, the way
// a user would see it: a real kube-apiserver and etcd (envtest), moto for S3,
// the bedrock-agent emulator, the runbook's broken vector bucket policy, the
// real manager binary, and kubectl and the AWS CLI to look at the result.
// Act 2 is the ACL guide's own product: an Amazon Quick knowledge base over
// the same documents bucket (the Quick emulator), where Contractors lose
// hr/ with a kubectl apply, and the time from the apply to the revocation
// being enforced is printed. With -stay it keeps everything up until Ctrl-C
// (make dev).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/kbwarden/kbwarden/internal/testenv"
	"github.com/kbwarden/kbwarden/test/bedrockemu"
	"github.com/kbwarden/kbwarden/test/quickemu"
	"github.com/kbwarden/kbwarden/test/scenario"
)

func main() {
	stay := flag.Bool("stay", false, "keep everything running until Ctrl-C and print how to reach it")
	manager := flag.String("manager", "bin/kbwarden", "the manager binary (make build)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *manager, *stay); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, managerBin string, stay bool) error {
	root := testenv.RepoRoot()
	step("Starting a local control plane (kube-apiserver, etcd) and moto for S3; the first run builds the binaries, about ten minutes")
	// moto answers sts:GetCallerIdentity in the runbook's account, so the
	// sample AccountBinding (account 275666109134) is verified Ready and the
	// story runs with tenancy on (--tenancy=Required, the default).
	if err := os.Setenv("MOTO_ACCOUNT_ID", scenario.Account); err != nil {
		return err
	}
	env, err := testenv.Start(ctx)
	if err != nil {
		return err
	}
	defer env.Stop()
	work, err := os.MkdirTemp("", "kbwarden-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	kubeconfig, err := env.Kubeconfig()
	if err != nil {
		return err
	}
	defer os.Remove(kubeconfig)

	step("Starting the bedrock-agent emulator (knowledge base %s, data source %s)", scenario.KnowledgeBaseID, scenario.DataSourceID)
	emu, err := bedrockemu.New(bedrockemu.Config{
		AccountID: scenario.Account, AWS: &env.AWS,
		StartingFor: time.Second, RunningFor: 3 * time.Second, StartInterval: 2 * time.Second,
		KnowledgeBases: scenario.Emulator(),
	})
	if err != nil {
		return err
	}
	if err := emu.Start("127.0.0.1:0"); err != nil {
		return err
	}
	defer emu.Close()

	step("Starting the Amazon Quick emulator (knowledge base %s over %s, document-level ACLs on, hourly refresh allowed)", scenario.QuickKnowledgeBaseID, scenario.DocsBucket)
	quickEmu, _, err := scenario.QuickEmulator(env, nil)
	if err != nil {
		return err
	}
	if err := quickEmu.Start("127.0.0.1:0"); err != nil {
		return err
	}
	defer quickEmu.Close()

	step("Seeding the runbook's incident: %s has a policy without s3:PutObject; %s holds documents", scenario.VectorBucket, scenario.DocsBucket)
	if err := scenario.Seed(ctx, env); err != nil {
		return err
	}

	awsEnv := append(scenario.ProcessEnv(env.Moto.Endpoint, emu.URL(), kubeconfig), scenario.QuickEnv(quickEmu.URL()))
	step("Running the manager (%s) against them", managerBin)
	mgrLog := filepath.Join(work, "manager.log")
	mgr, err := scenario.StartManager(ctx, filepath.Join(root, managerBin), mgrLog, awsEnv)
	if err != nil {
		return err
	}
	defer mgr.Stop()

	sh := func(title, script string) {
		fmt.Printf("\n\033[1m$ %s\033[0m\n", title)
		cmd := exec.CommandContext(ctx, "bash", "-c", script)
		cmd.Dir, cmd.Env = root, append(os.Environ(), awsEnv...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stdout
		_ = cmd.Run()
	}
	ep := "--endpoint-url " + env.Moto.Endpoint
	sh("kubectl apply -k config/samples/", "kubectl apply -k config/samples/")
	sh("kubectl wait --for=condition=Ready kb/"+scenario.SampleName+" --timeout=90s",
		"kubectl wait --for=condition=Ready kb/"+scenario.SampleName+" --timeout=90s || echo 'not Ready yet: see the conditions below'")
	sh("kubectl get kb", "kubectl get kb -o wide")
	sh("kubectl describe kb "+scenario.SampleName, "kubectl describe kb "+scenario.SampleName)
	sh("aws s3api get-bucket-policy --bucket "+scenario.VectorBucket+" --query Policy --output text | jq .",
		"aws "+ep+" s3api get-bucket-policy --bucket "+scenario.VectorBucket+" --query Policy --output text | jq .")
	sh("aws s3 cp s3://"+scenario.DocsBucket+"/hr/confidential/review-01.md.metadata.json - | jq .",
		"aws "+ep+" s3 cp s3://"+scenario.DocsBucket+"/hr/confidential/review-01.md.metadata.json - 2>/dev/null | jq . || echo '(no sidecar yet)'")
	sh("aws bedrock-agent list-ingestion-jobs --knowledge-base-id "+scenario.KnowledgeBaseID+" --data-source-id "+scenario.DataSourceID,
		"aws --endpoint-url "+emu.URL()+" bedrock-agent list-ingestion-jobs --knowledge-base-id "+scenario.KnowledgeBaseID+" --data-source-id "+scenario.DataSourceID+
			" --query 'ingestionJobSummaries[0]'")

	if err := quickAct(ctx, root, awsEnv, quickEmu.URL(), ep, sh); err != nil {
		return err
	}

	if stay {
		step("Everything is up. In another shell:\n  export KUBECONFIG=%s\n  export AWS_ENDPOINT_URL=%s AWS_ENDPOINT_URL_BEDROCK_AGENT=%s AWS_ENDPOINT_URL_QUICKSIGHT=%s AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_DEFAULT_REGION=us-east-1\n  kubectl get kb; aws s3api get-bucket-policy --bucket %s\n  curl -X POST %s%s/accounts/%s/knowledge-bases/%s/skip-to-next-refresh\nThe manager logs to %s. Ctrl-C stops everything.",
			kubeconfig, env.Moto.Endpoint, emu.URL(), quickEmu.URL(), scenario.VectorBucket, quickEmu.URL(), quickemu.AdminPrefix, scenario.Account, scenario.QuickKnowledgeBaseID, mgrLog)
		<-ctx.Done()
	}
	step("Tearing everything down")
	return nil
}

func step(format string, args ...any) {
	fmt.Printf("\n\033[1;34m==> %s\033[0m\n", fmt.Sprintf(format, args...))
}
