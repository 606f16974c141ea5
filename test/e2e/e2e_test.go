// Package e2e drives kbwarden as a user does: the real manager binary, the
// kubectl on the machine, and the AWS CLI, against envtest, moto, the
// bedrock-agent emulator seeded with the runbook's incident, and the Amazon
// Quick emulator serving the ACL guide's knowledge base.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onsi/gomega"

	"github.com/kbwarden/kbwarden/internal/testenv"
	"github.com/kbwarden/kbwarden/test/bedrockemu"
	"github.com/kbwarden/kbwarden/test/quickemu"
	"github.com/kbwarden/kbwarden/test/scenario"
)

// suite is what every test of the package shares.
var suite struct {
	env        *testenv.Env
	emulator   *bedrockemu.Server
	quick      *quickemu.Server
	kubeconfig string
	processEnv []string
	manager    *scenario.Process
}

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		code = 1
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	if _, err := exec.LookPath("kubectl"); err != nil {
		return 0, fmt.Errorf("kubectl is not on PATH: the end-to-end suite drives the real kubectl")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	work, err := os.MkdirTemp("", "kbwarden-e2e-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(work)

	bin := filepath.Join(work, "kbwarden")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir, build.Stdout, build.Stderr = testenv.RepoRoot(), os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return 0, fmt.Errorf("building the manager: %w", err)
	}
	// moto answers sts:GetCallerIdentity in the runbook's account, so the
	// sample AccountBinding (account 275666109134) is verified Ready and the
	// story runs with tenancy on (--tenancy=Required, the default).
	if err := os.Setenv("MOTO_ACCOUNT_ID", scenario.Account); err != nil {
		return 0, err
	}
	if suite.env, err = testenv.Start(ctx); err != nil {
		return 0, err
	}
	defer suite.env.Stop()
	if suite.kubeconfig, err = suite.env.Kubeconfig(); err != nil {
		return 0, err
	}
	defer os.Remove(suite.kubeconfig)
	suite.emulator, err = bedrockemu.New(bedrockemu.Config{
		AccountID: scenario.Account, AWS: &suite.env.AWS, StartInterval: -1,
		StartingFor: 200 * time.Millisecond, RunningFor: 500 * time.Millisecond,
		KnowledgeBases: scenario.Emulator(),
	})
	if err != nil {
		return 0, err
	}
	if err := suite.emulator.Start("127.0.0.1:0"); err != nil {
		return 0, err
	}
	defer suite.emulator.Close()
	if suite.quick, _, err = scenario.QuickEmulator(suite.env, nil); err != nil {
		return 0, err
	}
	if err := suite.quick.Start("127.0.0.1:0"); err != nil {
		return 0, err
	}
	defer suite.quick.Close()
	if err := scenario.Seed(ctx, suite.env); err != nil {
		return 0, err
	}
	suite.processEnv = append(scenario.ProcessEnv(suite.env.Moto.Endpoint, suite.emulator.URL(), suite.kubeconfig), scenario.QuickEnv(suite.quick.URL()))
	suite.manager, err = scenario.StartManager(ctx, bin, filepath.Join(work, "manager.log"), suite.processEnv, "--ingestion-start-interval=500ms")
	if err != nil {
		return 0, err
	}
	defer suite.manager.Stop()
	code := m.Run()
	if code != 0 {
		if log, err := os.ReadFile(suite.manager.LogPath); err == nil {
			fmt.Fprintf(os.Stderr, "--- manager log (last 8 KB) ---\n%s\n", tail(log, 8192))
		}
	}
	return code, nil
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// kubectl runs the machine's kubectl against the suite's control plane and
// returns its standard output; it fails the test, with standard error, when
// kubectl fails.
func kubectl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := kubectlErr(args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// kubectlErr runs kubectl and returns its standard output, or an error
// carrying its standard error.
func kubectlErr(args ...string) (string, error) {
	return command("kubectl", args...)
}

// aws runs the machine's AWS CLI against moto, as the runbook's commands do.
func aws(t *testing.T, args ...string) string {
	t.Helper()
	out, err := command("aws", append([]string{"--endpoint-url", suite.env.Moto.Endpoint}, args...)...)
	if err != nil {
		t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func command(name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = testenv.RepoRoot()
	cmd.Env = append(os.Environ(), suite.processEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%w: %s", err, stderr.String())
	}
	return stdout.String(), nil
}

func eventually(g gomega.Gomega, f any) gomega.AsyncAssertion {
	return g.Eventually(f).WithTimeout(60 * time.Second).WithPolling(250 * time.Millisecond)
}
