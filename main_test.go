package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/onsi/gomega"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/kbwarden/kbwarden/controllers"
	"github.com/kbwarden/kbwarden/internal/testenv"
)

func TestParseFlagsDefaults(t *testing.T) {
	g := gomega.NewWithT(t)
	o, err := parseFlags(nil)
	g.Expect(err).NotTo(gomega.HaveOccurred())
	g.Expect(o.metricsAddr).To(gomega.Equal(":8443"))
	g.Expect(o.metricsSecure).To(gomega.BeTrue())
	g.Expect(o.enableHTTP2).To(gomega.BeFalse())
	tenancy, err := o.tenancyOptions()
	g.Expect(err).NotTo(gomega.HaveOccurred())
	g.Expect(tenancy.Mode).To(gomega.Equal(controllers.TenancyRequired))

	o, err = parseFlags([]string{"--tenancy=Optional", "--allowed-buckets=kb-*,docs"})
	g.Expect(err).NotTo(gomega.HaveOccurred())
	tenancy, err = o.tenancyOptions()
	g.Expect(err).NotTo(gomega.HaveOccurred())
	g.Expect(tenancy).To(gomega.Equal(controllers.TenancyOptions{Mode: controllers.TenancyOptional, AllowedBuckets: controllers.BucketAllowList{"kb-*", "docs"}}))

	_, err = parseFlags([]string{"--tenancy=Sometimes"})
	g.Expect(err).To(gomega.MatchError(gomega.ContainSubstring("--tenancy must be Required or Optional")))

	insecure, err := parseFlags([]string{"--metrics-secure=false"})
	g.Expect(err).NotTo(gomega.HaveOccurred())
	m := insecure.metricsOptions()
	g.Expect(m.SecureServing).To(gomega.BeFalse())
	g.Expect(m.FilterProvider).To(gomega.BeNil())
}

// TestSecureMetrics runs the manager as main.go builds it, as a
// ServiceAccount holding only config/rbac/metrics_auth_role.yaml, against a
// real API server, and scrapes its metrics: without a token (401), with the
// token of a ServiceAccount lacking config/rbac/metrics_reader_role.yaml
// (403), and with one bound to it (200). HTTP/2 is refused.
func TestSecureMetrics(t *testing.T) {
	g := gomega.NewWithT(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env, err := testenv.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Stop)
	clientset, err := kubernetes.NewForConfig(env.Config)
	g.Expect(err).NotTo(gomega.HaveOccurred())

	const ns = "kbwarden-system"
	g.Expect(env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(gomega.Succeed())
	for _, f := range []string{"metrics_auth_role.yaml", "metrics_reader_role.yaml"} {
		g.Expect(env.Client.Create(ctx, clusterRoleFile(t, f))).To(gomega.Succeed(), f)
	}
	token := func(sa string, roles ...string) string {
		g.Expect(env.Client.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: sa, Namespace: ns}})).To(gomega.Succeed())
		for _, role := range roles {
			g.Expect(env.Client.Create(ctx, &rbacv1.ClusterRoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: sa + "-" + role},
				RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
				Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: sa, Namespace: ns}},
			})).To(gomega.Succeed())
		}
		tr, err := clientset.CoreV1().ServiceAccounts(ns).CreateToken(ctx, sa, &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
		g.Expect(err).NotTo(gomega.HaveOccurred())
		return tr.Status.Token
	}
	managerToken := token("controller-manager", "kbwarden-metrics-auth-role")
	readerToken := token("prometheus", "kbwarden-metrics-reader")
	strangerToken := token("stranger")

	addr := freeAddr(t)
	opts, err := parseFlags([]string{"--metrics-bind-address=" + addr, "--health-probe-bind-address=0"})
	g.Expect(err).NotTo(gomega.HaveOccurred())
	managerCfg := rest.AnonymousClientConfig(env.Config)
	managerCfg.BearerToken = managerToken
	mgr, err := newManager(managerCfg, env.Scheme, opts)
	g.Expect(err).NotTo(gomega.HaveOccurred())
	go func() {
		if err := mgr.Start(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "manager stopped:", err)
		}
	}()

	httpClient := &http.Client{Transport: &http.Transport{
		// The manager's certificate is self-signed, as in a default install.
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2", "http/1.1"}}, //nolint:gosec // see above
		ForceAttemptHTTP2: true,
	}}
	scrape := func(token string) (*http.Response, string, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+addr+"/metrics", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := httpClient.Do(req)
		if err != nil {
			return nil, "", err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body), nil
	}
	g.Eventually(func() error { _, _, err := scrape(""); return err }).
		WithTimeout(time.Minute).WithPolling(100*time.Millisecond).Should(gomega.Succeed(), "the metrics endpoint never answered")

	cases := []struct {
		name  string
		token string
		want  []int
	}{
		{"no token", "", []int{http.StatusUnauthorized}},
		// controller-runtime's filter answers 500 when the TokenReview
		// itself reports an error, as it does for a malformed token.
		{"a token the API server does not know", "not-a-token", []int{http.StatusUnauthorized, http.StatusInternalServerError}},
		{"a ServiceAccount without the metrics-reader role", strangerToken, []int{http.StatusForbidden}},
		{"a ServiceAccount with the metrics-reader role", readerToken, []int{http.StatusOK}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := gomega.NewWithT(t)
			resp, body, err := scrape(tc.token)
			g.Expect(err).NotTo(gomega.HaveOccurred())
			g.Expect(resp.StatusCode).To(gomega.BeElementOf(tc.want), body)
			g.Expect(resp.ProtoMajor).To(gomega.Equal(1), "HTTP/2 is off on the metrics endpoint")
			if resp.StatusCode == http.StatusOK {
				g.Expect(body).To(gomega.ContainSubstring("# TYPE"))
			}
		})
	}
}

// clusterRoleFile reads a ClusterRole shipped in config/rbac.
func clusterRoleFile(t *testing.T, name string) client.Object {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "rbac", name))
	if err != nil {
		t.Fatal(err)
	}
	role := &rbacv1.ClusterRole{}
	if err := yaml.UnmarshalStrict(raw, role); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return role
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
