package scenario

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Process is the real manager binary running as a child process.
type Process struct {
	cmd *exec.Cmd
	// LogPath is where its console log goes.
	LogPath string
}

// ProcessEnv is the environment a user would give kbwarden and the AWS CLI
// on this machine: test credentials, moto for every service but
// bedrock-agent, the emulator for bedrock-agent, and the kubeconfig.
func ProcessEnv(motoEndpoint, emulatorURL, kubeconfig string) []string {
	return []string{
		"AWS_ACCESS_KEY_ID=demo", "AWS_SECRET_ACCESS_KEY=demo", "AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_ENDPOINT_URL=" + motoEndpoint, "AWS_ENDPOINT_URL_BEDROCK_AGENT=" + emulatorURL,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "KUBECONFIG=" + kubeconfig,
	}
}

// StartManager runs the manager binary with console logs to logPath, path-
// style S3 (the endpoint is an IP address) and the buckets of this scenario
// admitted. It ends with ctx or Stop.
func StartManager(ctx context.Context, bin, logPath string, env []string, extraArgs ...string) (*Process, error) {
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("%s is missing: run make build: %w", bin, err)
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	args := append([]string{"--log-format=console", "--metrics-bind-address=0", "--health-probe-bind-address=0",
		"--s3-path-style", "--allowed-buckets=sidekick-kb-vectors-*,acme-corp-docs,acme-corp-kbwarden,kbw-*"}, extraArgs...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Process{cmd: cmd, LogPath: logPath}
	go func() { <-ctx.Done(); p.Stop() }()
	return p, nil
}

// Stop ends the manager (SIGTERM, then SIGKILL after 10 s) and waits for
// it, so nothing is left behind. It is safe to call twice.
func (p *Process) Stop() {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}
