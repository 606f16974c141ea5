package testenv

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/kbwarden/kbwarden/internal/awslog"
)

// Moto is a moto_server process on a free loopback port, serving S3, S3
// Vectors and STS like AWS does. Each Moto has its own empty state.
type Moto struct {
	// Endpoint is the server's base URL, for example http://127.0.0.1:40123.
	Endpoint string
	cmd      *exec.Cmd
	logPath  string
	// fixDir holds motofix/sitecustomize.py for the server's interpreter.
	fixDir string
}

// motoFix corrects moto's SigV4 check of query strings (see the file).
//
//go:embed motofix/sitecustomize.py
var motoFix []byte

// writeMotoFix writes motoFix into a directory of its own, for PYTHONPATH.
func writeMotoFix() (string, error) {
	dir, err := os.MkdirTemp("", "kbwarden-motofix-")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "sitecustomize.py"), motoFix, 0o600); err != nil {
		_ = os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}

func joinPath(dir, rest string) string {
	if rest == "" {
		return dir
	}
	return dir + string(os.PathListSeparator) + rest
}

// Test credentials and region: moto accepts any credentials, and its
// default account is 123456789012.
const (
	Region    = "us-east-1"
	AccountID = "123456789012"
)

// StartMoto starts moto_server on a free loopback port and waits until it
// answers. The process runs in its own process group so Stop can end it and
// any child it forked. Its log goes to a temporary file, named in errors.
func StartMoto(ctx context.Context) (*Moto, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, errors.New("moto_server is not on PATH: install moto with its server extras (pip install 'moto[server]')")
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logFile, err := os.CreateTemp("", "moto-*.log")
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	fixDir, err := writeMotoFix()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(os.Environ(), "PYTHONPATH="+joinPath(fixDir, os.Getenv("PYTHONPATH")))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = os.RemoveAll(fixDir)
		return nil, fmt.Errorf("starting moto_server: %w", err)
	}
	m := &Moto{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, logPath: logFile.Name(), fixDir: fixDir}
	if err := m.waitReady(ctx, 60*time.Second); err != nil {
		m.Stop()
		return nil, err
	}
	return m, nil
}

func (m *Moto) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, m.Endpoint+"/moto-api/", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("moto_server did not answer on %s within %s; its log is %s", m.Endpoint, timeout, m.logPath)
}

// Stop ends moto_server and its process group and removes its log.
func (m *Moto) Stop() {
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-m.cmd.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = m.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-m.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
	_ = os.Remove(m.logPath)
	_ = os.RemoveAll(m.fixDir)
	m.cmd = nil
}

// Reset wipes moto's state (every bucket, policy and vector bucket), so tests
// sharing one server start clean.
func (m *Moto) Reset(ctx context.Context) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, m.Endpoint+"/moto-api/reset", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("resetting moto: %w", err)
	}
	resp.Body.Close()
	return nil
}

// AWSConfig returns an SDK configuration whose every service points at moto,
// with static test credentials. It is built with config.LoadDefaultConfig so
// the SDK's own HTTP client (and AWS_CA_BUNDLE handling) stays in place.
// Options may add, for example, a middleware that counts requests.
func (m *Moto) AWSConfig(ctx context.Context, opts ...func(*config.LoadOptions) error) (aws.Config, error) {
	base := []func(*config.LoadOptions) error{
		config.WithRegion(Region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("testing", "testing", "")),
		// The SDK's messages go through controller-runtime's logger, as the
		// manager's do, not to stderr.
		config.WithLogger(awslog.NewLogger(ctrl.Log.WithName("aws-sdk"))),
	}
	cfg, err := config.LoadDefaultConfig(ctx, append(base, opts...)...)
	if err != nil {
		return cfg, err
	}
	// Set on the Config, not through config.WithBaseEndpoint: a load option
	// becomes a configuration source that every client re-reads, so a caller
	// could no longer point one copy elsewhere (at a FaultProxy, say).
	endpoint := m.Endpoint
	cfg.BaseEndpoint = &endpoint
	return cfg, nil
}

// LogPath is moto's log file, useful in failure messages.
func (m *Moto) LogPath() string { return filepath.Clean(m.logPath) }

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
