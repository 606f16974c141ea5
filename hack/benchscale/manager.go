package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// manager is the real manager binary, run as a child process the way
// test/scenario runs it, but keeping its PID so the benchmark can read its
// CPU time and memory from /proc.
type manager struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// startManager runs bin with console logs to logPath, path-style S3, the
// benchmark's buckets admitted, no metrics or probe listener, and args.
func startManager(bin, logPath string, env, args []string) (*manager, error) {
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("%s is missing: run make build: %w", bin, err)
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	base := []string{"--log-format=console", "--metrics-bind-address=0", "--health-probe-bind-address=0",
		"--s3-path-style", "--allowed-buckets=kbw-*"}
	cmd := exec.Command(bin, append(base, args...)...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	m := &manager{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(m.done) }()
	return m, nil
}

func (m *manager) pid() int { return m.cmd.Process.Pid }

// exited says whether the manager ended (it should not, before Stop).
func (m *manager) exited() bool {
	select {
	case <-m.done:
		return true
	default:
		return false
	}
}

// stop ends the manager's process group (SIGTERM, then SIGKILL after 10 s)
// and waits for it. It is safe to call twice.
func (m *manager) stop() {
	if m.exited() {
		return
	}
	_ = syscall.Kill(-m.pid(), syscall.SIGTERM)
	select {
	case <-m.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-m.pid(), syscall.SIGKILL)
		<-m.done
	}
}
