// Package install_test checks the manifests users install: it renders
// config/default with kubectl kustomize, applies every object to a real
// kube-apiserver (server-side apply, dry run), checks that the objects refer
// to each other correctly and that the manager runs locked down, and checks
// that the samples are accepted by the CRD's validation.
package install_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kbwarden/kbwarden/internal/testenv"
)

const (
	// systemNamespace is where config/default puts everything namespaced.
	systemNamespace = "kbwarden-system"
	// fieldOwner is this test's server-side apply field manager.
	fieldOwner = "kbwarden-install-test"
)

var (
	env *testenv.Env
	// apiWarnings collects the warnings the API server returns to k8s.
	apiWarnings = &warningCollector{}
	// k8s is a client that records the API server's warnings (deprecations,
	// Pod Security Standard violations) in apiWarnings instead of logging them.
	k8s client.Client
)

func TestMain(m *testing.M) {
	ctx, cancel := context.WithCancel(context.Background())
	var err error
	if env, err = testenv.Start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "starting the test environment:", err)
		cancel()
		os.Exit(1)
	}
	cfg := rest.CopyConfig(env.Config)
	cfg.WarningHandlerWithContext = apiWarnings
	if k8s, err = client.New(cfg, client.Options{Scheme: env.Scheme}); err != nil {
		fmt.Fprintln(os.Stderr, "creating the client:", err)
		env.Stop()
		cancel()
		os.Exit(1)
	}
	code := m.Run()
	cancel()
	env.Stop()
	os.Exit(code)
}

// TestDefaultInstallApplies applies every object of config/default, the
// Namespace for real and everything else with server-side apply in dry-run
// mode, so the API server validates them all (schemas, strict fields, RBAC
// rules, Pod Security admission on the Deployment) without running anything.
func TestDefaultInstallApplies(t *testing.T) {
	g := NewWithT(t)
	ctx := testContext(t)
	objs := renderDefault(t)

	want := []objectID{
		{"Namespace", "", systemNamespace},
		{"CustomResourceDefinition", "", "knowledgebases.knowledge.kbwarden.io"},
		{"CustomResourceDefinition", "", "accountbindings.knowledge.kbwarden.io"},
		{"ClusterRole", "", "kbwarden-metrics-reader"},
		{"ClusterRole", "", "kbwarden-metrics-auth-role"},
		{"ClusterRoleBinding", "", "kbwarden-metrics-auth-rolebinding"},
		{"ServiceAccount", systemNamespace, "kbwarden-controller-manager"},
		{"ClusterRole", "", generatedClusterRoleName(t)},
		{"ClusterRoleBinding", "", "kbwarden-manager-rolebinding"},
		{"Role", systemNamespace, "kbwarden-leader-election-role"},
		{"RoleBinding", systemNamespace, "kbwarden-leader-election-rolebinding"},
		{"Deployment", systemNamespace, "kbwarden-controller-manager"},
		{"Service", systemNamespace, "kbwarden-controller-manager-metrics-service"},
	}
	var got []objectID
	for _, u := range objs {
		got = append(got, idOf(u))
	}
	g.Expect(got).To(ContainElements(want), "config/default lacks expected objects")
	for _, u := range objs {
		g.Expect(u.GroupVersionKind().Group).NotTo(Equal("monitoring.coreos.com"),
			"config/prometheus must stay optional: %s is rendered by default", idOf(u))
	}

	// Namespaces first, for real, so that namespaced objects can be dry-run
	// in them.
	for _, u := range objs {
		if u.GetKind() != "Namespace" {
			continue
		}
		err := k8s.Apply(ctx, client.ApplyConfigurationFromUnstructured(u.DeepCopy()), client.FieldOwner(fieldOwner))
		g.Expect(err).NotTo(HaveOccurred(), "applying %s", idOf(u))
	}

	for _, u := range objs {
		if u.GetKind() == "Namespace" {
			continue
		}
		t.Run(idOf(u).String(), func(t *testing.T) {
			g := NewWithT(t)
			namespaced, err := k8s.IsObjectNamespaced(u)
			g.Expect(err).NotTo(HaveOccurred(), "is %s known to the API server?", idOf(u))
			if namespaced {
				g.Expect(u.GetNamespace()).To(Equal(systemNamespace), "namespaced objects go to %s", systemNamespace)
			} else {
				g.Expect(u.GetNamespace()).To(BeEmpty(), "a cluster-scoped object has no namespace")
			}

			apiWarnings.reset()
			applied := u.DeepCopy()
			err = k8s.Apply(ctx, client.ApplyConfigurationFromUnstructured(applied),
				client.DryRunAll, client.FieldOwner(fieldOwner))
			g.Expect(err).NotTo(HaveOccurred(), "server-side apply (dry run) of %s", idOf(u))
			g.Expect(apiWarnings.get()).To(BeEmpty(), "the API server warned about %s", idOf(u))
			g.Expect(applied.GetUID()).NotTo(BeEmpty(), "the dry run answers with the object as it would be stored")
		})
	}
}

// TestPodSecurityWarningsAreSeen makes sure the "no warning" assertion above
// can fail: a Deployment that breaks the restricted Pod Security Standard of
// kbwarden-system draws a warning.
func TestPodSecurityWarningsAreSeen(t *testing.T) {
	g := NewWithT(t)
	ctx := testContext(t)
	objs := renderDefault(t)
	for _, u := range objs {
		if u.GetKind() == "Namespace" {
			g.Expect(k8s.Apply(ctx, client.ApplyConfigurationFromUnstructured(u.DeepCopy()), client.FieldOwner(fieldOwner))).To(Succeed())
		}
	}
	d := deployment(t, objs)
	d.Spec.Template.Spec.Containers[0].SecurityContext.AllowPrivilegeEscalation = ptr(true)
	u := toUnstructured(t, d)
	u.SetGroupVersionKind(appsv1.SchemeGroupVersion.WithKind("Deployment"))
	u.SetName(d.Name + "-insecure")
	unstructured.RemoveNestedField(u.Object, "status")
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")

	apiWarnings.reset()
	g.Expect(k8s.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.DryRunAll, client.FieldOwner(fieldOwner))).To(Succeed())
	g.Expect(apiWarnings.get()).To(ContainElement(ContainSubstring("allowPrivilegeEscalation")),
		"Pod Security admission should warn about a privilege-escalating Deployment in %s", systemNamespace)
}

// TestManagerDeployment checks how the manager runs: its flags, probes,
// resources, and a locked-down security context.
func TestManagerDeployment(t *testing.T) {
	d := deployment(t, renderDefault(t))
	g := NewWithT(t)
	g.Expect(d.Spec.Replicas).To(HaveValue(BeEquivalentTo(1)))
	g.Expect(d.Spec.Template.Spec.Containers).To(HaveLen(1))
	pod := &d.Spec.Template.Spec
	c := &pod.Containers[0]
	flags := managerFlags(t)

	tests := []struct {
		name  string
		check func(g Gomega)
	}{
		{"flags", func(g Gomega) {
			g.Expect(c.Args).To(ContainElements(
				"--leader-elect",
				"--log-format=json",
				"--metrics-bind-address=:8443",
				"--health-probe-bind-address=:8081",
				"--tenancy=Required",
			))
			for _, arg := range c.Args {
				name, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
				g.Expect(flags).To(ContainElement(name), "%s is not a flag of main.go", arg)
			}
		}},
		{"entrypoint", func(g Gomega) {
			if len(c.Command) > 0 {
				g.Expect(c.Command).To(Equal([]string{"/kbwarden"}), "the Dockerfile installs the manager as /kbwarden")
			}
		}},
		{"liveness probe", func(g Gomega) {
			g.Expect(c.LivenessProbe).NotTo(BeNil())
			g.Expect(c.LivenessProbe.HTTPGet).NotTo(BeNil())
			g.Expect(c.LivenessProbe.HTTPGet.Path).To(Equal("/healthz"))
			g.Expect(containerPort(g, c, c.LivenessProbe.HTTPGet.Port)).To(BeEquivalentTo(8081))
		}},
		{"readiness probe", func(g Gomega) {
			g.Expect(c.ReadinessProbe).NotTo(BeNil())
			g.Expect(c.ReadinessProbe.HTTPGet).NotTo(BeNil())
			g.Expect(c.ReadinessProbe.HTTPGet.Path).To(Equal("/readyz"))
			g.Expect(containerPort(g, c, c.ReadinessProbe.HTTPGet.Port)).To(BeEquivalentTo(8081))
		}},
		{"metrics port", func(g Gomega) {
			g.Expect(containerPort(g, c, intstr.FromString("https-metrics"))).To(BeEquivalentTo(8443))
		}},
		{"resources", func(g Gomega) {
			for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				g.Expect(c.Resources.Requests).To(HaveKey(r))
				g.Expect(c.Resources.Limits).To(HaveKey(r))
				request, limit := c.Resources.Requests[r], c.Resources.Limits[r]
				g.Expect(request.Cmp(limit)).To(BeNumerically("<=", 0), "%s request above its limit", r)
			}
		}},
		{"AWS_REGION", func(g Gomega) {
			g.Expect(c.Env).To(ContainElement(HaveField("Name", "AWS_REGION")))
		}},
		{"runAsNonRoot", func(g Gomega) {
			g.Expect(effectiveRunAsNonRoot(pod, c)).To(BeTrue())
		}},
		{"readOnlyRootFilesystem", func(g Gomega) {
			g.Expect(c.SecurityContext).NotTo(BeNil())
			g.Expect(c.SecurityContext.ReadOnlyRootFilesystem).To(HaveValue(BeTrue()))
		}},
		{"allowPrivilegeEscalation", func(g Gomega) {
			g.Expect(c.SecurityContext).NotTo(BeNil())
			g.Expect(c.SecurityContext.AllowPrivilegeEscalation).To(HaveValue(BeFalse()))
		}},
		{"capabilities", func(g Gomega) {
			g.Expect(c.SecurityContext).NotTo(BeNil())
			g.Expect(c.SecurityContext.Capabilities).NotTo(BeNil())
			g.Expect(c.SecurityContext.Capabilities.Drop).To(ContainElement(corev1.Capability("ALL")))
			g.Expect(c.SecurityContext.Capabilities.Add).To(BeEmpty())
		}},
		{"seccompProfile", func(g Gomega) {
			g.Expect(effectiveSeccomp(pod, c)).To(Equal(corev1.SeccompProfileTypeRuntimeDefault))
		}},
		{"not privileged", func(g Gomega) {
			g.Expect(pod.HostNetwork || pod.HostPID || pod.HostIPC).To(BeFalse())
			if c.SecurityContext != nil && c.SecurityContext.Privileged != nil {
				g.Expect(*c.SecurityContext.Privileged).To(BeFalse())
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(NewWithT(t)) })
	}
}

// TestReferencesResolve checks what the API server does not: that bindings,
// the Deployment and the Service name objects that config/default installs.
func TestReferencesResolve(t *testing.T) {
	objs := renderDefault(t)
	d := deployment(t, objs)
	saName := d.Spec.Template.Spec.ServiceAccountName

	tests := []struct {
		name  string
		check func(g Gomega)
	}{
		{"the Deployment runs as an installed ServiceAccount", func(g Gomega) {
			g.Expect(saName).NotTo(BeEmpty(), "the manager must not run as the namespace's default ServiceAccount")
			g.Expect(find(objs, "ServiceAccount", d.Namespace, saName)).NotTo(BeNil(), "ServiceAccount %s/%s", d.Namespace, saName)
		}},
		{"the ClusterRoleBinding binds the generated ClusterRole to the ServiceAccount", func(g Gomega) {
			var bindings []rbacv1.ClusterRoleBinding
			for _, u := range objs {
				if u.GetKind() == "ClusterRoleBinding" {
					var b rbacv1.ClusterRoleBinding
					fromUnstructured(g, u, &b)
					bindings = append(bindings, b)
				}
			}
			roleName := generatedClusterRoleName(t)
			g.Expect(bindings).To(ContainElement(And(
				HaveField("RoleRef", rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: roleName}),
				HaveField("Subjects", ContainElement(rbacv1.Subject{Kind: "ServiceAccount", Name: saName, Namespace: d.Namespace})),
			)), "no ClusterRoleBinding of %s to %s/%s", roleName, d.Namespace, saName)
			for _, b := range bindings {
				g.Expect(find(objs, b.RoleRef.Kind, "", b.RoleRef.Name)).NotTo(BeNil(), "%s refers to a missing %s %s", b.Name, b.RoleRef.Kind, b.RoleRef.Name)
			}
		}},
		{"the leader election RoleBinding binds a Role granting leases and events", func(g Gomega) {
			var found bool
			for _, u := range objs {
				if u.GetKind() != "RoleBinding" {
					continue
				}
				var b rbacv1.RoleBinding
				fromUnstructured(g, u, &b)
				g.Expect(b.Namespace).To(Equal(d.Namespace))
				ru := find(objs, b.RoleRef.Kind, b.Namespace, b.RoleRef.Name)
				g.Expect(ru).NotTo(BeNil(), "%s refers to a missing %s %s", b.Name, b.RoleRef.Kind, b.RoleRef.Name)
				if !slices.Contains(b.Subjects, rbacv1.Subject{Kind: "ServiceAccount", Name: saName, Namespace: d.Namespace}) {
					continue
				}
				var r rbacv1.Role
				fromUnstructured(g, ru, &r)
				if grants(r.Rules, "coordination.k8s.io", "leases", "get", "create", "update") {
					found = true
					g.Expect(grants(r.Rules, "", "events", "create", "patch")).To(BeTrue(),
						"client-go's leader elector records core/v1 events")
				}
			}
			g.Expect(found).To(BeTrue(), "no Role lets %s hold the leader election Lease", saName)
		}},
		{"the metrics Service selects the manager's pods and port", func(g Gomega) {
			u := find(objs, "Service", d.Namespace, "kbwarden-controller-manager-metrics-service")
			g.Expect(u).NotTo(BeNil())
			var svc corev1.Service
			fromUnstructured(g, u, &svc)
			g.Expect(svc.Spec.Selector).NotTo(BeEmpty())
			g.Expect(labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(d.Spec.Template.Labels))).To(BeTrue(),
				"selector %v does not match the pod labels %v", svc.Spec.Selector, d.Spec.Template.Labels)
			g.Expect(svc.Spec.Ports).To(ContainElement(And(
				HaveField("Name", "https"),
				HaveField("Port", BeEquivalentTo(8443)),
			)))
			for _, p := range svc.Spec.Ports {
				containerPort(g, &d.Spec.Template.Spec.Containers[0], p.TargetPort)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(NewWithT(t)) })
	}
}

// TestPrometheusIsOptional renders config/default with its commented
// ../prometheus line enabled, as its comment tells users to, and checks the
// ServiceMonitor scrapes the metrics Service and the alerts watch kbwarden's
// metrics. The monitoring CRDs are not installed here, so these objects are
// only rendered, not applied.
func TestPrometheusIsOptional(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	g.Expect(os.CopyFS(dir, os.DirFS(filepath.Join(testenv.RepoRoot(), "config")))).To(Succeed())
	kustomization := filepath.Join(dir, "default", "kustomization.yaml")
	data, err := os.ReadFile(kustomization)
	g.Expect(err).NotTo(HaveOccurred())
	const commented = "#- ../prometheus\n"
	g.Expect(string(data)).To(ContainSubstring(commented), "config/default should offer ../prometheus, commented out")
	data = bytes.Replace(data, []byte(commented), []byte("- ../prometheus\n"), 1)
	g.Expect(os.WriteFile(kustomization, data, 0o644)).To(Succeed())
	objs, err := render(testContext(t), filepath.Join(dir, "default"))
	g.Expect(err).NotTo(HaveOccurred())

	svc := find(objs, "Service", systemNamespace, "kbwarden-controller-manager-metrics-service")
	g.Expect(svc).NotTo(BeNil())

	t.Run("ServiceMonitor", func(t *testing.T) {
		g := NewWithT(t)
		sm := find(objs, "ServiceMonitor", systemNamespace, "kbwarden-controller-manager-metrics-monitor")
		g.Expect(sm).NotTo(BeNil())
		sel, _, err := unstructured.NestedStringMap(sm.Object, "spec", "selector", "matchLabels")
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(sel).NotTo(BeEmpty())
		g.Expect(labels.SelectorFromSet(sel).Matches(labels.Set(svc.GetLabels()))).To(BeTrue(),
			"ServiceMonitor selector %v does not match the Service's labels %v", sel, svc.GetLabels())
		endpoints, _, err := unstructured.NestedSlice(sm.Object, "spec", "endpoints")
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(endpoints).To(ContainElement(And(HaveKeyWithValue("port", "https"), HaveKeyWithValue("scheme", "https"))))
	})

	t.Run("PrometheusRule", func(t *testing.T) {
		g := NewWithT(t)
		pr := find(objs, "PrometheusRule", systemNamespace, "kbwarden-alerts")
		g.Expect(pr).NotTo(BeNil())
		groups, _, err := unstructured.NestedSlice(pr.Object, "spec", "groups")
		g.Expect(err).NotTo(HaveOccurred())
		exprs := map[string]string{}
		for _, group := range groups {
			rules, _, _ := unstructured.NestedSlice(group.(map[string]any), "rules")
			for _, rule := range rules {
				r := rule.(map[string]any)
				name, _ := r["alert"].(string)
				expr, _ := r["expr"].(string)
				exprs[name] = expr
			}
		}
		for alert, metric := range map[string]string{
			"KnowledgeBaseDriftRepaired":   "kbwarden_drift_repairs_total",
			"KnowledgeBaseIngestionFailed": "kbwarden_ingestion_jobs_failed_total",
			"KnowledgeBaseSyncStale":       "kbwarden_last_successful_ingestion_timestamp_seconds",
		} {
			g.Expect(exprs).To(HaveKeyWithValue(alert, ContainSubstring(metric)))
		}
		g.Expect(exprs["KnowledgeBaseSyncStale"]).To(ContainSubstring("26 * 3600"))
	})
}

// TestSamplesAreValid creates every object of config/samples and of
// config/samples/quick (dry run, with strict field validation), so a
// sample with a misspelt field or a value the CRD's schema or CEL rules
// reject fails here, not in a user's cluster.
func TestSamplesAreValid(t *testing.T) {
	for _, sub := range []string{"", "quick"} {
		t.Run("config/samples/"+sub, func(t *testing.T) {
			samplesAreValid(t, filepath.Join(testenv.RepoRoot(), "config", "samples", sub))
		})
	}
}

func samplesAreValid(t *testing.T, dir string) {
	ctx := testContext(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	NewWithT(t).Expect(err).NotTo(HaveOccurred())

	var fromFiles []objectID
	for _, file := range files {
		if filepath.Base(file) == "kustomization.yaml" {
			continue
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			g := NewWithT(t)
			data, err := os.ReadFile(file)
			g.Expect(err).NotTo(HaveOccurred())
			objs, err := decode(data)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(objs).NotTo(BeEmpty(), "%s holds no object", file)
			for _, u := range objs {
				fromFiles = append(fromFiles, idOf(u))
				created := u.DeepCopy()
				if created.GetNamespace() == "" {
					created.SetNamespace("default")
				}
				err := k8s.Create(ctx, created, client.DryRunAll, client.FieldValidation("Strict"))
				g.Expect(err).NotTo(HaveOccurred(), "creating %s (dry run)", idOf(u))
			}
		})
	}
	NewWithT(t).Expect(fromFiles).To(ContainElement(HaveField("Kind", "KnowledgeBase")), "%s has no KnowledgeBase", dir)

	t.Run("kustomization.yaml lists every sample", func(t *testing.T) {
		g := NewWithT(t)
		objs, err := render(ctx, dir)
		g.Expect(err).NotTo(HaveOccurred())
		var rendered []objectID
		for _, u := range objs {
			rendered = append(rendered, idOf(u))
		}
		g.Expect(rendered).To(ConsistOf(fromFiles))
	})
}

// TestSampleMistakesAreRejected makes sure TestSamplesAreValid can fail: the
// KnowledgeBase sample with a typical mistake is refused.
func TestSampleMistakesAreRejected(t *testing.T) {
	ctx := testContext(t)
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "samples", "knowledge_v1alpha1_knowledgebase.yaml"))
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	objs, err := decode(data)
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	NewWithT(t).Expect(objs).To(HaveLen(1))
	sample := objs[0]

	tests := []struct {
		name   string
		mutate func(u *unstructured.Unstructured) error
		want   string
	}{
		{"misspelt field", func(u *unstructured.Unstructured) error {
			return unstructured.SetNestedField(u.Object, "acme-corp-docs", "spec", "documents", "bucketName")
		}, `unknown field "spec.documents.bucketName"`},
		{"unquoted accountId", func(u *unstructured.Unstructured) error {
			return unstructured.SetNestedField(u.Object, int64(275666109134), "spec", "accountId")
		}, "spec.accountId"},
		{"knowledge base ID of the wrong shape", func(u *unstructured.Unstructured) error {
			return unstructured.SetNestedField(u.Object, "KB-1234", "spec", "bedrock", "knowledgeBaseId")
		}, "spec.bedrock.knowledgeBaseId"},
		{"Global mode without globalFile", func(u *unstructured.Unstructured) error {
			return unstructured.SetNestedField(u.Object, "Global", "spec", "accessControl", "mode")
		}, "globalFile is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			u := sample.DeepCopy()
			u.SetNamespace("default")
			g.Expect(tt.mutate(u)).To(Succeed())
			err := k8s.Create(ctx, u, client.DryRunAll, client.FieldValidation("Strict"))
			g.Expect(err).To(HaveOccurred())
			g.Expect(apierrors.IsInvalid(err) || apierrors.IsBadRequest(err)).To(BeTrue(), "unexpected error: %v", err)
			g.Expect(err.Error()).To(ContainSubstring(tt.want))
		})
	}
}

// objectID names one object of a rendered manifest.
type objectID struct{ Kind, Namespace, Name string }

func (id objectID) String() string {
	if id.Namespace == "" {
		return id.Kind + "/" + id.Name
	}
	return id.Kind + "/" + id.Namespace + "/" + id.Name
}

func idOf(u *unstructured.Unstructured) objectID {
	return objectID{u.GetKind(), u.GetNamespace(), u.GetName()}
}

func find(objs []*unstructured.Unstructured, kind, namespace, name string) *unstructured.Unstructured {
	for _, u := range objs {
		if u.GetKind() == kind && u.GetNamespace() == namespace && u.GetName() == name {
			return u
		}
	}
	return nil
}

// renderDefault is config/default, rendered once per test binary. Callers
// must not modify the objects.
func renderDefault(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	objs, err := renderDefaultOnce()
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

var renderDefaultOnce = sync.OnceValues(func() ([]*unstructured.Unstructured, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return render(ctx, filepath.Join(testenv.RepoRoot(), "config", "default"))
})

// render runs `kubectl kustomize dir` and decodes its output.
func render(ctx context.Context, dir string) ([]*unstructured.Unstructured, error) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		return nil, errors.New("kubectl is not on PATH: it renders the kustomizations under config/")
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, kubectl, "kustomize", dir)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("kubectl kustomize %s: %w: %s", dir, err, stderr.String())
	}
	objs, err := decode(stdout.Bytes())
	if err != nil {
		return nil, fmt.Errorf("decoding kubectl kustomize %s: %w", dir, err)
	}
	return objs, nil
}

// decode reads every object of a multi-document YAML stream.
func decode(data []byte) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var objs []*unstructured.Unstructured
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			if errors.Is(err, io.EOF) {
				return objs, nil
			}
			return nil, err
		}
		if len(obj) == 0 {
			continue
		}
		u := &unstructured.Unstructured{Object: obj}
		if u.GetKind() == "" || u.GetAPIVersion() == "" {
			return nil, fmt.Errorf("an object without apiVersion or kind: %v", obj)
		}
		objs = append(objs, u)
	}
}

// generatedClusterRoleName is the name controller-gen gave the manager's
// ClusterRole in config/rbac/role.yaml.
func generatedClusterRoleName(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "rbac", "role.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	objs, err := decode(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range objs {
		if u.GetKind() == "ClusterRole" {
			return u.GetName()
		}
	}
	t.Fatal("config/rbac/role.yaml holds no ClusterRole")
	return ""
}

// deployment is the manager's Deployment of config/default.
func deployment(t *testing.T, objs []*unstructured.Unstructured) *appsv1.Deployment {
	t.Helper()
	u := find(objs, "Deployment", systemNamespace, "kbwarden-controller-manager")
	if u == nil {
		t.Fatal("config/default has no Deployment kbwarden-controller-manager")
	}
	var d appsv1.Deployment
	fromUnstructured(NewWithT(t), u, &d)
	return &d
}

func fromUnstructured(g Gomega, u *unstructured.Unstructured, into any) {
	g.ExpectWithOffset(1, runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(u.Object, into, true)).
		To(Succeed(), "converting %s", idOf(u))
}

func toUnstructured(t *testing.T, obj any) *unstructured.Unstructured {
	t.Helper()
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		t.Fatal(err)
	}
	return &unstructured.Unstructured{Object: m}
}

// containerPort resolves a probe's or Service's port (a number or a port
// name) against the container's ports.
func containerPort(g Gomega, c *corev1.Container, port intstr.IntOrString) int32 {
	var known []string
	for _, p := range c.Ports {
		if (port.Type == intstr.String && p.Name == port.StrVal) || (port.Type == intstr.Int && p.ContainerPort == port.IntVal) {
			return p.ContainerPort
		}
		known = append(known, p.Name, strconv.Itoa(int(p.ContainerPort)))
	}
	g.ExpectWithOffset(1, known).To(ContainElement(port.String()), "not a port of container %s", c.Name)
	return 0
}

func effectiveRunAsNonRoot(pod *corev1.PodSpec, c *corev1.Container) bool {
	if c.SecurityContext != nil && c.SecurityContext.RunAsNonRoot != nil {
		return *c.SecurityContext.RunAsNonRoot
	}
	return pod.SecurityContext != nil && pod.SecurityContext.RunAsNonRoot != nil && *pod.SecurityContext.RunAsNonRoot
}

func effectiveSeccomp(pod *corev1.PodSpec, c *corev1.Container) corev1.SeccompProfileType {
	if c.SecurityContext != nil && c.SecurityContext.SeccompProfile != nil {
		return c.SecurityContext.SeccompProfile.Type
	}
	if pod.SecurityContext != nil && pod.SecurityContext.SeccompProfile != nil {
		return pod.SecurityContext.SeccompProfile.Type
	}
	return ""
}

// grants reports whether rules allow every verb on the resource of the group.
func grants(rules []rbacv1.PolicyRule, group, resource string, verbs ...string) bool {
	for _, verb := range verbs {
		ok := slices.ContainsFunc(rules, func(r rbacv1.PolicyRule) bool {
			return (slices.Contains(r.APIGroups, group) || slices.Contains(r.APIGroups, "*")) &&
				(slices.Contains(r.Resources, resource) || slices.Contains(r.Resources, "*")) &&
				(slices.Contains(r.Verbs, verb) || slices.Contains(r.Verbs, "*"))
		})
		if !ok {
			return false
		}
	}
	return true
}

// managerFlags are the flag names main.go defines, read from its source
// (calls like fs.StringVar(&o.x, "name", ...)), so the Deployment's args
// cannot name a flag the manager would reject at startup.
func managerFlags(t *testing.T) []string {
	t.Helper()
	file, err := parser.ParseFile(token.NewFileSet(), filepath.Join(testenv.RepoRoot(), "main.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var flags []string
	ast.Inspect(file, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) < 2 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || !strings.HasSuffix(sel.Sel.Name, "Var") {
			return true
		}
		if lit, ok := call.Args[1].(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if name, err := strconv.Unquote(lit.Value); err == nil {
				flags = append(flags, name)
			}
		}
		return true
	})
	if len(flags) == 0 {
		t.Fatal("found no flag definition in main.go")
	}
	return flags
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func ptr[T any](v T) *T { return &v }

// warningCollector records the warnings the API server sends.
type warningCollector struct {
	mu       sync.Mutex
	warnings []string
}

func (w *warningCollector) HandleWarningHeaderWithContext(_ context.Context, _ int, _ string, message string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.warnings = append(w.warnings, message)
}

func (w *warningCollector) reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.warnings = nil
}

func (w *warningCollector) get() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.warnings)
}
