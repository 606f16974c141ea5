// Package argocd_test checks config/argocd: the Argo CD health check of the
// KnowledgeBase kind (health.lua), the argocd-cm snippet of its README, and
// the kustomize component that installs it.
//
// health.lua runs in github.com/yuin/gopher-lua, the Lua VM Argo CD uses,
// set up the way Argo CD sets it up: the live object, decoded from JSON as
// an unstructured object, is a Lua table in the global obj; the script's
// return value must be a table with a valid status and a message. A check
// from argocd-cm runs without Lua's standard libraries except base, table,
// package (and Argo CD's own safe os, which the script does not use), unless
// useOpenLibs is set; built-in checks run with all of them. Each case runs
// both ways.
//
// The cases are in health_test.yaml, in the format of Argo CD's
// resource_customizations/<group>/<Kind>/health_test.yaml, over the objects
// in testdata/.
package argocd_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
)

var update = flag.Bool("update", false, "rewrite the argocd-cm snippet of config/argocd/README.md from health.lua")

const (
	scriptPath = "../../config/argocd/health.lua"
	readmePath = "../../config/argocd/README.md"
	// configMapKey is the argocd-cm key of a health check: group_Kind.
	configMapKey = "resource.customizations.health.knowledge.kbwarden.io_KnowledgeBase"
)

// healthStatus is the table the script returns, as Argo CD reads it.
type healthStatus struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

// healthTests is Argo CD's health_test.yaml.
type healthTests struct {
	Tests []struct {
		HealthStatus healthStatus `json:"healthStatus"`
		InputPath    string       `json:"inputPath"`
	} `json:"tests"`
}

// validStatuses are the statuses Argo CD accepts from a script; anything
// else becomes Unknown with "Lua returned an invalid health status".
var validStatuses = []string{"Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown"}

func readScript(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(scriptPath)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func readHealthTests(t *testing.T) healthTests {
	t.Helper()
	b, err := os.ReadFile("health_test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var ht healthTests
	if err := yaml.UnmarshalStrict(b, &ht); err != nil {
		t.Fatalf("health_test.yaml: %v", err)
	}
	if len(ht.Tests) == 0 {
		t.Fatal("health_test.yaml lists no test")
	}
	return ht
}

// loadObject reads a testdata object as Argo CD holds a live object: JSON
// decoded into an unstructured object (integers are int64). It also decodes
// the object strictly as a KnowledgeBase, so that a misspelt field in
// testdata fails here instead of silently testing nothing.
func loadObject(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var kb kbv1.KnowledgeBase
	if err := yaml.UnmarshalStrict(b, &kb); err != nil {
		t.Fatalf("%s is not a valid KnowledgeBase: %v", path, err)
	}
	if kb.Kind != "KnowledgeBase" || kb.APIVersion != kbv1.GroupVersion.String() {
		t.Fatalf("%s is a %s %s, not a %s KnowledgeBase", path, kb.APIVersion, kb.Kind, kbv1.GroupVersion)
	}
	j, err := yaml.YAMLToJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(j); err != nil {
		t.Fatal(err)
	}
	return u.Object
}

// runHealth runs script over obj as Argo CD's Lua VM does and returns the
// health it reports.
func runHealth(script string, obj map[string]any, openLibs bool) (healthStatus, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: !openLibs})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
	} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), NRet: 0, Protect: true}, lua.LString(lib.name)); err != nil {
			return healthStatus{}, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", toLua(l, obj))
	if err := l.DoString(script); err != nil {
		return healthStatus{}, err
	}
	ret, ok := l.Get(-1).(*lua.LTable)
	if !ok {
		return healthStatus{}, fmt.Errorf("the script returned a %s, Argo CD expects a table", l.Get(-1).Type())
	}
	var hs healthStatus
	for field, dst := range map[string]*string{"status": &hs.Status, "message": &hs.Message} {
		switch v := ret.RawGetString(field).(type) {
		case lua.LString:
			*dst = string(v)
		case *lua.LNilType:
		default:
			return healthStatus{}, fmt.Errorf("the script returned %s = %s (a %s), not a string", field, v, v.Type())
		}
	}
	if !slices.Contains(validStatuses, hs.Status) {
		return healthStatus{}, fmt.Errorf("the script returned status %q; Argo CD would show Unknown", hs.Status)
	}
	return hs, nil
}

// toLua converts a decoded JSON value to Lua as Argo CD does: objects
// become tables keyed by string, arrays tables indexed from 1, numbers
// LNumber.
func toLua(l *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case map[string]any:
		t := l.CreateTable(0, len(v))
		for k, e := range v {
			t.RawSetString(k, toLua(l, e))
		}
		return t
	case []any:
		t := l.CreateTable(len(v), 0)
		for _, e := range v {
			t.Append(toLua(l, e))
		}
		return t
	case string:
		return lua.LString(v)
	case bool:
		return lua.LBool(v)
	case int64:
		return lua.LNumber(v)
	case float64:
		return lua.LNumber(v)
	default:
		return lua.LNil
	}
}

func TestHealth(t *testing.T) {
	script := readScript(t)
	for _, tc := range readHealthTests(t).Tests {
		t.Run(strings.TrimSuffix(filepath.Base(tc.InputPath), ".yaml"), func(t *testing.T) {
			obj := loadObject(t, tc.InputPath)
			for _, openLibs := range []bool{false, true} {
				got, err := runHealth(script, obj, openLibs)
				if err != nil {
					t.Fatalf("openLibs=%v: %v", openLibs, err)
				}
				if got != tc.HealthStatus {
					t.Errorf("openLibs=%v:\n got  %s: %q\n want %s: %q", openLibs,
						got.Status, got.Message, tc.HealthStatus.Status, tc.HealthStatus.Message)
				}
			}
		})
	}
}

// TestHealthCases keeps health_test.yaml honest: every status the script
// can give is tested, and every object in testdata/ is used.
func TestHealthCases(t *testing.T) {
	ht := readHealthTests(t)
	statuses := map[string]bool{}
	used := map[string]bool{}
	for _, tc := range ht.Tests {
		statuses[tc.HealthStatus.Status] = true
		used[filepath.Clean(tc.InputPath)] = true
	}
	for _, s := range []string{"Healthy", "Progressing", "Degraded", "Suspended"} {
		if !statuses[s] {
			t.Errorf("health_test.yaml has no %s case", s)
		}
	}
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !used[filepath.Clean(f)] {
			t.Errorf("%s is not used by health_test.yaml", f)
		}
	}
}

// TestHealthSparseObjects: the script must answer, not fail, on objects
// with parts missing (Argo CD shows a failing script as an error).
func TestHealthSparseObjects(t *testing.T) {
	script := readScript(t)
	for name, obj := range map[string]map[string]any{
		"empty":                 {},
		"no spec, no status":    {"metadata": map[string]any{"name": "x"}},
		"no generation":         {"metadata": map[string]any{}, "spec": map[string]any{}, "status": map[string]any{"observedGeneration": int64(1)}},
		"empty status":          {"metadata": map[string]any{"generation": int64(1)}, "spec": map[string]any{}, "status": map[string]any{}},
		"empty conditions":      {"metadata": map[string]any{"generation": int64(1)}, "status": map[string]any{"observedGeneration": int64(1), "conditions": []any{}}},
		"condition sans reason": {"metadata": map[string]any{"generation": int64(1)}, "status": map[string]any{"observedGeneration": int64(1), "conditions": []any{map[string]any{"type": "Ready", "status": "False"}}}},
		"job without id":        {"metadata": map[string]any{"generation": int64(1)}, "status": map[string]any{"observedGeneration": int64(1), "ingestion": map[string]any{"lastJob": map[string]any{"status": "FAILED"}}}},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := runHealth(script, obj, false)
			if err != nil {
				t.Fatal(err)
			}
			if got.Message == "" {
				t.Errorf("%s with an empty message", got.Status)
			}
		})
	}
}

// TestREADMESnippet checks that the argocd-cm snippet in the README holds
// health.lua byte for byte, under the right key, as valid YAML. With
// -update it rewrites the snippet from health.lua first.
func TestREADMESnippet(t *testing.T) {
	script := readScript(t)
	b, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	const begin, end = "<!-- BEGIN argocd-cm snippet", "<!-- END argocd-cm snippet -->"
	i, j := strings.Index(readme, begin), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatalf("%s has no %q ... %q block", readmePath, begin, end)
	}
	i += strings.Index(readme[i:], "\n") + 1 // after the BEGIN line
	if *update {
		readme = readme[:i] + snippet(script) + readme[j:]
		if err := os.WriteFile(readmePath, []byte(readme), 0o644); err != nil {
			t.Fatal(err)
		}
		j = strings.Index(readme, end)
	}
	block := readme[i:j]
	body, ok := strings.CutPrefix(block, "```yaml\n")
	body, ok2 := strings.CutSuffix(body, "```\n")
	if !ok || !ok2 {
		t.Fatalf("the snippet is not one ```yaml block:\n%s", block)
	}
	var cm struct {
		APIVersion string            `json:"apiVersion"`
		Kind       string            `json:"kind"`
		Metadata   map[string]any    `json:"metadata"`
		Data       map[string]string `json:"data"`
	}
	if err := yaml.Unmarshal([]byte(body), &cm); err != nil {
		t.Fatalf("the snippet is not valid YAML: %v", err)
	}
	if cm.APIVersion != "v1" || cm.Kind != "ConfigMap" || cm.Metadata["name"] != "argocd-cm" {
		t.Errorf("the snippet is a %s %s named %v, want the v1 ConfigMap argocd-cm", cm.APIVersion, cm.Kind, cm.Metadata["name"])
	}
	got, ok := cm.Data[configMapKey]
	if !ok {
		t.Fatalf("the snippet has no key %s; it has %v", configMapKey, keys(cm.Data))
	}
	if got != script {
		t.Errorf("the README's snippet differs from health.lua; edit health.lua only and run\n"+
			"  go test ./test/argocd -run TestREADMESnippet -update\n%s", firstDifference(got, script))
	}
}

// snippet renders the README's argocd-cm block for script.
func snippet(script string) string {
	var b strings.Builder
	b.WriteString("```yaml\n" +
		"apiVersion: v1\n" +
		"kind: ConfigMap\n" +
		"metadata:\n" +
		"  name: argocd-cm\n" +
		"  namespace: argocd\n" +
		"  labels:\n" +
		"    app.kubernetes.io/name: argocd-cm\n" +
		"    app.kubernetes.io/part-of: argocd\n" +
		"data:\n" +
		"  " + configMapKey + ": |\n")
	for _, line := range strings.SplitAfter(strings.TrimSuffix(script, "\n"), "\n") {
		if strings.TrimSpace(line) != "" {
			b.WriteString("    ")
		}
		b.WriteString(strings.TrimRight(line, " \t\n") + "\n")
	}
	b.WriteString("```\n")
	return b.String()
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func firstDifference(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for n := 0; n < max(len(g), len(w)); n++ {
		var gl, wl string
		if n < len(g) {
			gl = g[n]
		}
		if n < len(w) {
			wl = w[n]
		}
		if gl != wl || n >= len(g) || n >= len(w) {
			return fmt.Sprintf("first difference at line %d of health.lua:\n README:     %q\n health.lua: %q", n+1, gl, wl)
		}
	}
	return ""
}

// TestKustomizeComponent builds config/argocd as a component of an Argo CD
// installation laid out as Argo CD's documentation shows (install.yaml
// without namespaces, the namespace set by the kustomization), with the
// kubectl on the machine, and checks that argocd-cm gets health.lua under
// the right key and keeps its other keys.
func TestKustomizeComponent(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not on PATH")
	}
	script := readScript(t)
	component, err := filepath.Abs("../../config/argocd")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	overlay := filepath.Join(dir, "overlay")
	rel, err := filepath.Rel(overlay, component)
	if err != nil {
		t.Fatal(err)
	}
	write("argocd/install.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: argocd-cm\n  labels:\n    app.kubernetes.io/part-of: argocd\ndata:\n  url: https://argocd.example.com\n")
	write("argocd/kustomization.yaml", "resources:\n- install.yaml\n")
	write("overlay/kustomization.yaml", "namespace: argocd\nresources:\n- ../argocd\ncomponents:\n- "+rel+"\n")

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, kubectl, "kustomize", overlay)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kubectl kustomize: %v\n%s", err, stderr.String())
	}
	var cm struct {
		Metadata struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"metadata"`
		Data map[string]string `json:"data"`
	}
	if err := yaml.Unmarshal(stdout.Bytes(), &cm); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	if cm.Metadata.Name != "argocd-cm" || cm.Metadata.Namespace != "argocd" {
		t.Errorf("got ConfigMap %s/%s, want argocd/argocd-cm (no name suffix)", cm.Metadata.Namespace, cm.Metadata.Name)
	}
	if cm.Data[configMapKey] != script {
		t.Errorf("argocd-cm's %s is not health.lua:\n%s", configMapKey, stdout.String())
	}
	if cm.Data["url"] != "https://argocd.example.com" {
		t.Errorf("the component dropped argocd-cm's other keys:\n%s", stdout.String())
	}
}
