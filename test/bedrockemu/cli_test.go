package bedrockemu

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

// TestAWSCLI runs the runbook's own commands (AWS CLI v1) against the
// standalone emulator binary, then stops it with SIGTERM.
func TestAWSCLI(t *testing.T) {
	awsBin, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("the AWS CLI (aws) is not on PATH; install awscli to run this test")
	}
	g := NewWithT(t)
	e := newEnv(t) // for its buckets and policy; the binary has its own state
	e.put(e.docs, "docs/a.txt", "alpha")
	e.put(e.docs, "docs/b.txt", "beta")

	bin := filepath.Join(t.TempDir(), "bedrockemu")
	build := exec.Command("go", "build", "-o", bin, "./cmd/bedrockemu")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	emu := exec.Command(bin, "-s3-endpoint", motoSrv.Endpoint, "-starting-for", "50ms", "-running-for", "100ms",
		"-kb", "id="+kbID+",bucket="+e.vec+",name=sidekick", "-ds", "kb="+kbID+",id="+dsID+",bucket="+e.docs+",prefix=docs/")
	emu.Stderr = os.Stderr
	stdout, err := emu.StdoutPipe()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(emu.Start()).To(Succeed())
	var waitErr error
	exited := make(chan struct{})
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			_ = emu.Process.Kill()
			<-exited
		}
	})
	lines := bufio.NewScanner(stdout)
	g.Expect(lines.Scan()).To(BeTrue(), "no URL on stdout")
	url := lines.Text()
	g.Expect(url).To(MatchRegexp(`^http://127\.0\.0\.1:\d+$`))
	go func() {
		_, _ = io.Copy(io.Discard, stdout) // nothing more is expected; keep the pipe drained
		waitErr = emu.Wait()
		close(exited)
	}()

	cli := func(args ...string) (map[string]any, string, error) {
		cmd := exec.Command(awsBin, append([]string{"--endpoint-url", url, "--output", "json", "bedrock-agent"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing", "AWS_DEFAULT_REGION=us-east-1",
			"AWS_CONFIG_FILE=/nonexistent", "AWS_SHARED_CREDENTIALS_FILE=/nonexistent")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		var doc map[string]any
		if err == nil && len(out) > 0 {
			if jerr := json.Unmarshal(out, &doc); jerr != nil {
				t.Fatalf("aws %v printed non-JSON %q", args, out)
			}
		}
		return doc, stderr.String(), err
	}

	kbs, stderr, err := cli("list-knowledge-bases")
	g.Expect(err).NotTo(HaveOccurred(), stderr)
	g.Expect(kbs["knowledgeBaseSummaries"]).To(ContainElement(HaveKeyWithValue("name", "sidekick")))

	started, stderr, err := cli("start-ingestion-job", "--knowledge-base-id", kbID, "--data-source-id", dsID)
	g.Expect(err).NotTo(HaveOccurred(), stderr)
	job := started["ingestionJob"].(map[string]any)
	g.Expect(job).To(HaveKeyWithValue("status", "STARTING"))
	id := job["ingestionJobId"].(string)

	g.Eventually(func() any {
		got, stderr, err := cli("get-ingestion-job", "--knowledge-base-id", kbID, "--data-source-id", dsID, "--ingestion-job-id", id)
		g.Expect(err).NotTo(HaveOccurred(), stderr)
		return got["ingestionJob"]
	}).WithTimeout(20 * time.Second).WithPolling(200 * time.Millisecond).Should(And(
		HaveKeyWithValue("status", "COMPLETE"),
		HaveKeyWithValue("statistics", HaveKeyWithValue("numberOfNewDocumentsIndexed", BeNumerically("==", 2)))))

	listed, stderr, err := cli("list-ingestion-jobs", "--knowledge-base-id", kbID, "--data-source-id", dsID, "--max-results", "5")
	g.Expect(err).NotTo(HaveOccurred(), stderr)
	g.Expect(listed["ingestionJobSummaries"]).To(HaveLen(1))

	_, stderr, err = cli("get-ingestion-job", "--knowledge-base-id", kbID, "--data-source-id", dsID, "--ingestion-job-id", "NOSUCHJOB0")
	g.Expect(err).To(HaveOccurred())
	g.Expect(stderr).To(ContainSubstring("ResourceNotFoundException"))

	g.Expect(emu.Process.Signal(syscall.SIGTERM)).To(Succeed())
	select {
	case <-exited:
		g.Expect(waitErr).NotTo(HaveOccurred(), "exit after SIGTERM")
	case <-time.After(10 * time.Second):
		t.Fatal("the emulator did not exit within 10s of SIGTERM")
	}
}
