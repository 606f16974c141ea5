package awsclient

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/kbwarden/kbwarden/internal/testenv"
)

type policyDoc struct {
	Statement []struct {
		Sid       string
		Effect    string
		Action    any
		Resource  any
		Condition map[string]map[string]any
	}
}

func readPolicy(t *testing.T, name string) policyDoc {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "iam", name))
	if err != nil {
		t.Fatal(err)
	}
	var doc policyDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return doc
}

func strs(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, s := range v {
			out = append(out, s.(string))
		}
		return out
	}
	return nil
}

// notCalled are actions of controller-policy.json that no code calls today;
// the tenant policy leaves them out (least privilege).
var notCalled = []string{"bedrock:GetKnowledgeBase", "bedrock:GetDataSource"}

// TestTenantPolicyCoversTheControllerPolicy keeps the tenant role template
// in step with controller-policy.json, which TestIAMPolicyCoversEveryCall
// (controllers) keeps in step with the calls the manager makes: a tenant
// role must allow every call kbwarden makes for a KnowledgeBase.
func TestTenantPolicyCoversTheControllerPolicy(t *testing.T) {
	g := NewWithT(t)
	tenant := map[string]bool{}
	for _, s := range readPolicy(t, "tenant-role-policy.json").Statement {
		g.Expect(s.Effect).To(Equal("Allow"))
		g.Expect(strs(s.Resource)).NotTo(ContainElement("*"), "statement %s: every tenant statement names its resources", s.Sid)
		for _, a := range strs(s.Action) {
			g.Expect(a).NotTo(ContainSubstring("*"), "statement %s: no wildcard actions", s.Sid)
			tenant[a] = true
		}
	}
	for _, s := range readPolicy(t, "controller-policy.json").Statement {
		for _, a := range strs(s.Action) {
			if slices.Contains(notCalled, a) {
				continue
			}
			g.Expect(tenant).To(HaveKey(a), "the controller policy allows %s, the tenant role template does not", a)
		}
	}
	g.Expect(tenant).To(HaveKey("kms:Decrypt"))
	g.Expect(tenant).To(HaveKey("kms:GenerateDataKey"))
}

// TestManagerBasePolicyOnlyAssumesTenantRoles: under --tenancy=Required the
// manager's own role can do nothing but become a tenant.
func TestManagerBasePolicyOnlyAssumesTenantRoles(t *testing.T) {
	g := NewWithT(t)
	doc := readPolicy(t, "manager-base-policy.json")
	var actions, resources []string
	for _, s := range doc.Statement {
		actions = append(actions, strs(s.Action)...)
		resources = append(resources, strs(s.Resource)...)
	}
	g.Expect(actions).To(ConsistOf("sts:AssumeRole", "sts:TagSession"))
	for _, r := range resources {
		g.Expect(strings.HasPrefix(r, "arn:aws:iam::") && strings.Contains(r, ":role/kbwarden/")).To(BeTrue(), "resource %s is not a tenant role", r)
	}
}

// TestKMSIsOnlyThroughS3 pins the SSE-KMS statement's conditions: the key
// may be used only by S3 on kbwarden's behalf, for the tenant's buckets.
func TestKMSIsOnlyThroughS3(t *testing.T) {
	g := NewWithT(t)
	for _, s := range readPolicy(t, "tenant-role-policy.json").Statement {
		if !slices.ContainsFunc(strs(s.Action), func(a string) bool { return strings.HasPrefix(a, "kms:") }) {
			continue
		}
		g.Expect(s.Condition).To(HaveKeyWithValue("StringEquals", HaveKey("kms:ViaService")))
		g.Expect(s.Condition).To(HaveKeyWithValue("StringLike", HaveKey("kms:EncryptionContext:aws:s3:arn")))
	}
}
