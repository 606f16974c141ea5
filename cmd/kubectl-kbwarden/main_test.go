package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
)

// plugin runs the CLI against a fake API server holding objs, as if the
// kubeconfig's context were in namespace kb. It records what connect got.
type plugin struct {
	client                  client.Reader
	connectErr              error
	kubeconfig, kubeContext string
}

func newPlugin(t *testing.T, funcs *interceptor.Funcs, objs ...client.Object) *plugin {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := kbv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	b := fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...)
	if funcs != nil {
		b = b.WithInterceptorFuncs(*funcs)
	}
	return &plugin{client: b.Build()}
}

func (p *plugin) run(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	c := &cli{stdout: &out, stderr: &errOut, connect: func(kubeconfig, kubeContext string) (client.Reader, string, error) {
		p.kubeconfig, p.kubeContext = kubeconfig, kubeContext
		if p.connectErr != nil {
			return nil, "", p.connectErr
		}
		return p.client, "kb", nil
	}}
	code = c.run(context.Background(), args)
	return code, out.String(), errOut.String()
}

func TestRunExplain(t *testing.T) {
	none := newKB(func(kb *kbv1.KnowledgeBase) {
		kb.Name, kb.Spec.AccessControl.Mode = "no-acls", kbv1.AccessControlNone
	})
	other := newKB(func(kb *kbv1.KnowledgeBase) { kb.Namespace = "team-b" })
	p := newPlugin(t, nil, newKB(), none, other)

	for name, tc := range map[string]struct {
		args   []string
		code   int
		stdout []string
		stderr []string
	}{
		"text, the context's namespace": {
			args:   []string{"explain", "sidekick-dev", "docs/hr/confidential/plan.pdf"},
			stdout: []string{"KnowledgeBase kb/sidekick-dev: accessControl.mode PerDocument", `rules[1] "docs/hr/": allows group "HR"`, `can retrieve: group "HR"`},
		},
		"flags before, between and after the arguments": {
			args:   []string{"explain", "-n", "team-b", "sidekick-dev", "--output=text", "docs/sales/q3.pdf", "--context", "prod"},
			stdout: []string{"KnowledgeBase team-b/sidekick-dev", `rules[0] "docs/sales/"`},
		},
		"kb/NAME and --namespace=": {
			args:   []string{"explain", "kb/sidekick-dev", "docs/sales/q3.pdf", "--namespace=team-b"},
			stdout: []string{"KnowledgeBase team-b/sidekick-dev"},
		},
		"unreachable is an answer, not an error": {
			args:   []string{"explain", "sidekick-dev", "docs/readme.txt"},
			stdout: []string{"UNREACHABLE: nobody can retrieve this document"},
		},
		"a key after --": {
			args:   []string{"explain", "sidekick-dev", "--", "-weird"},
			code:   1,
			stderr: []string{`key "-weird" is outside spec.documents.prefix "docs/"`},
		},
		"json": {
			args:   []string{"explain", "sidekick-dev", "docs/hr/confidential/plan.pdf", "-o", "json"},
			stdout: []string{`"knowledgeBase": "kb/sidekick-dev"`, `"unreachable": false`},
		},
		"missing KnowledgeBase": {
			args:   []string{"explain", "nope", "docs/sales/q3.pdf"},
			code:   1,
			stderr: []string{`error: KnowledgeBase "nope" not found in namespace "kb"`, "kubectl get kb -n kb"},
		},
		"in another namespace than the one asked": {
			args:   []string{"explain", "sidekick-dev", "docs/sales/q3.pdf", "-n", "team-c"},
			code:   1,
			stderr: []string{`not found in namespace "team-c"`},
		},
		"mode None": {
			args:   []string{"explain", "no-acls", "docs/sales/q3.pdf"},
			code:   1,
			stderr: []string{"error: KnowledgeBase kb/no-acls has spec.accessControl.mode None: document-level ACLs are off", "anyone allowed to query the knowledge base"},
		},
		"a key outside documents.prefix": {
			args:   []string{"explain", "sidekick-dev", "archive/q3.pdf"},
			code:   1,
			stderr: []string{`key "archive/q3.pdf" is outside spec.documents.prefix "docs/"`},
		},
		"help": {
			args:   []string{"help"},
			stdout: []string{"kubectl kbwarden explain KNOWLEDGEBASE KEY"},
		},
		"explain -h": {
			args:   []string{"explain", "-h"},
			stdout: []string{"Usage:"},
		},
		"no arguments": {
			code:   2,
			stderr: []string{"Usage:"},
		},
		"one argument": {
			args:   []string{"explain", "sidekick-dev"},
			code:   2,
			stderr: []string{"explain takes a KnowledgeBase and a key, got 1 arguments", "kubectl kbwarden help"},
		},
		"unknown output": {
			args:   []string{"explain", "sidekick-dev", "docs/a.pdf", "-o", "yaml"},
			code:   2,
			stderr: []string{`--output must be text or json, not "yaml"`},
		},
		"unknown flag": {
			args:   []string{"explain", "sidekick-dev", "docs/a.pdf", "--all-namespaces"},
			code:   2,
			stderr: []string{"flag provided but not defined: -all-namespaces"},
		},
		"another kind": {
			args:   []string{"explain", "pod/sidekick-dev", "docs/a.pdf"},
			code:   2,
			stderr: []string{`"pod/sidekick-dev" is not a KnowledgeBase`},
		},
		"unknown command": {
			args:   []string{"describe", "sidekick-dev"},
			code:   2,
			stderr: []string{`unknown command "describe"`},
		},
	} {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := p.run(tc.args...)
			if code != tc.code {
				t.Errorf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			for _, w := range tc.stdout {
				if !strings.Contains(stdout, w) {
					t.Errorf("want %q on stdout:\n%s", w, stdout)
				}
			}
			for _, w := range tc.stderr {
				if !strings.Contains(stderr, w) {
					t.Errorf("want %q on stderr:\n%s", w, stderr)
				}
			}
			if tc.code == 0 && stderr != "" {
				t.Errorf("stderr not empty on success:\n%s", stderr)
			}
			if tc.code != 0 && stdout != "" {
				t.Errorf("stdout not empty on failure:\n%s", stdout)
			}
		})
	}
}

func TestRunJSONIsOneDocument(t *testing.T) {
	p := newPlugin(t, nil, newKB())
	code, stdout, _ := p.run("explain", "sidekick-dev", "docs/legal/contract.pdf", "-o", "json")
	if code != 0 {
		t.Fatalf("exit status %d", code)
	}
	var r struct {
		Unreachable bool
		Rules       []struct{ Index int }
		CanRetrieve []kbv1.ACLEntry
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if dec.More() {
		t.Errorf("more than one JSON document on stdout:\n%s", stdout)
	}
	if !r.Unreachable || len(r.Rules) != 1 || r.Rules[0].Index != 3 || len(r.CanRetrieve) != 0 {
		t.Errorf("got %+v", r)
	}
}

func TestRunPassesKubeconfigFlags(t *testing.T) {
	p := newPlugin(t, nil, newKB())
	if code, _, stderr := p.run("explain", "--kubeconfig", "/tmp/k.yaml", "--context=prod", "sidekick-dev", "docs/a.pdf"); code != 0 {
		t.Fatalf("exit status %d: %s", code, stderr)
	}
	if p.kubeconfig != "/tmp/k.yaml" || p.kubeContext != "prod" {
		t.Errorf("connect got kubeconfig %q, context %q", p.kubeconfig, p.kubeContext)
	}

	p.connectErr = errors.New(`loading kubeconfig: context "prod" does not exist`)
	code, _, stderr := p.run("explain", "--context=prod", "sidekick-dev", "docs/a.pdf")
	if code != 1 || !strings.Contains(stderr, `error: loading kubeconfig: context "prod" does not exist`) {
		t.Errorf("exit status %d, stderr %q", code, stderr)
	}
}

// TestRunAPIErrors: the errors of a real cluster, as the API returns them,
// become sentences that say what to do.
func TestRunAPIErrors(t *testing.T) {
	gr := schema.GroupResource{Group: kbv1.GroupVersion.Group, Resource: "knowledgebases"}
	for name, tc := range map[string]struct {
		err  error
		want string
	}{
		"CRD not installed": {
			err:  &apimeta.NoKindMatchError{GroupKind: schema.GroupKind{Group: gr.Group, Kind: "KnowledgeBase"}, SearchedVersions: []string{"v1alpha1"}},
			want: "is kbwarden installed? (kubectl get crd knowledgebases.knowledge.kbwarden.io)",
		},
		"RBAC": {
			err:  apierrors.NewForbidden(gr, "sidekick-dev", errors.New(`User "ana" cannot get resource "knowledgebases"`)),
			want: `you may not read KnowledgeBase "sidekick-dev" in namespace "kb"; explain needs get on knowledgebases.knowledge.kbwarden.io`,
		},
		"anything else": {
			err:  apierrors.NewServiceUnavailable("etcd is down"),
			want: "reading KnowledgeBase kb/sidekick-dev: etcd is down",
		},
	} {
		t.Run(name, func(t *testing.T) {
			p := newPlugin(t, &interceptor.Funcs{Get: func(context.Context, client.WithWatch, client.ObjectKey, client.Object, ...client.GetOption) error {
				return tc.err
			}})
			code, _, stderr := p.run("explain", "sidekick-dev", "docs/a.pdf")
			if code != 1 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit status %d, want 1; stderr %q, want %q", code, stderr, tc.want)
			}
		})
	}
}

// TestConnectKubeconfig: the namespace and the context come from the
// kubeconfig as kubectl takes them. No request is made.
func TestConnectKubeconfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	kubeconfig := `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: https://127.0.0.1:6443
users:
- name: u
  user:
    token: not-a-real-token
contexts:
- name: dev
  context: {cluster: c, user: u, namespace: team-a}
- name: prod
  context: {cluster: c, user: u}
current-context: dev
`
	if err := os.WriteFile(path, []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ context, namespace string }{{"", "team-a"}, {"prod", "default"}} {
		c, ns, err := connectKubeconfig(path, tc.context)
		if err != nil {
			t.Fatalf("context %q: %v", tc.context, err)
		}
		if c == nil || ns != tc.namespace {
			t.Errorf("context %q: namespace %q, want %q", tc.context, ns, tc.namespace)
		}
	}
	if _, _, err := connectKubeconfig(path, "staging"); err == nil || !strings.Contains(err.Error(), "loading kubeconfig") {
		t.Errorf("unknown context: %v", err)
	}
}
