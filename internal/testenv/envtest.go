// Package testenv starts what integration tests run against: a real
// kube-apiserver and etcd through envtest, with kbwarden's CRDs installed, and
// moto_server for S3, S3 Vectors and STS. Packages call Start once in TestMain.
package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
)

// Env is a running control plane and moto, with clients for both.
type Env struct {
	// Config reaches the API server as an administrator.
	Config *rest.Config
	// Client is a controller-runtime client with kbwarden's scheme.
	Client client.Client
	// Scheme knows the core types and the KnowledgeBase API.
	Scheme *k8sruntime.Scheme
	// Moto is the AWS emulator.
	Moto *Moto
	// AWS is an SDK configuration pointing every service at Moto.
	AWS aws.Config

	control *envtest.Environment
}

// RepoRoot is the repository's top directory, found from this file's path so
// tests work from any package directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Scheme returns a scheme with the core types and the KnowledgeBase API.
func Scheme() *k8sruntime.Scheme {
	s := k8sruntime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(kbv1.AddToScheme(s))
	return s
}

// Start starts envtest (kube-apiserver and etcd from KUBEBUILDER_ASSETS, or
// built by hack/envtest.sh when it is unset) with the CRDs of config/crd, and
// moto_server. Stop ends both.
func Start(ctx context.Context) (*Env, error) {
	assets, err := assetsDir(ctx)
	if err != nil {
		return nil, err
	}
	env := &Env{Scheme: Scheme()}
	// moto and the control plane take seconds each to come up and do not
	// depend on each other, so they start side by side.
	type started struct {
		moto *Moto
		err  error
	}
	motoStarted := make(chan started, 1)
	go func() {
		m, err := StartMoto(ctx)
		motoStarted <- started{m, err}
	}()
	env.control = &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{filepath.Join(RepoRoot(), "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		Scheme:                env.Scheme,
	}
	env.Config, err = env.control.Start()
	m := <-motoStarted
	env.Moto = m.moto
	if err != nil {
		if env.Moto != nil {
			env.Moto.Stop()
		}
		return nil, fmt.Errorf("starting envtest with the binaries in %s: %w", assets, err)
	}
	if m.err != nil {
		env.Stop()
		return nil, m.err
	}
	if env.Client, err = client.New(env.Config, client.Options{Scheme: env.Scheme}); err != nil {
		env.Stop()
		return nil, err
	}
	if env.AWS, err = env.Moto.AWSConfig(ctx); err != nil {
		env.Stop()
		return nil, err
	}
	return env, nil
}

// Stop ends moto and the control plane. It is safe to call on a partly
// started Env.
func (e *Env) Stop() {
	if e.Moto != nil {
		e.Moto.Stop()
	}
	if e.control != nil {
		_ = e.control.Stop()
	}
}

// Kubeconfig writes a kubeconfig for the control plane (for kubectl) and
// returns its path; the caller removes it.
func (e *Env) Kubeconfig() (string, error) {
	user, err := e.control.ControlPlane.AddUser(envtest.User{Name: "kubectl", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return "", err
	}
	data, err := user.KubeConfig()
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp("", "kubeconfig-*")
	if err != nil {
		return "", err
	}
	defer f.Close()
	_, err = f.Write(data)
	return f.Name(), err
}

// assetsDir returns KUBEBUILDER_ASSETS, or builds (or reuses) the control
// plane binaries with hack/envtest.sh, which prints their directory.
func assetsDir(ctx context.Context) (string, error) {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir, nil
	}
	cmd := exec.CommandContext(ctx, filepath.Join(RepoRoot(), "hack", "envtest.sh"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("hack/envtest.sh: %w", err)
	}
	dir := strings.TrimSpace(out.String())
	if dir == "" {
		return "", errors.New("hack/envtest.sh printed no directory")
	}
	return dir, nil
}
