package controllers

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onsi/gomega"

	"github.com/kbwarden/kbwarden/internal/awserr"
	"github.com/kbwarden/kbwarden/internal/testenv"
)

// TestIAMPolicyCoversEveryCall keeps config/iam/controller-policy.json in step
// with the code: every AWS operation the manager called during this package's
// tests must be allowed by it. It lives in zz_iam_test.go because Go runs a
// package's tests in file order, so it sees the calls of all the others.
func TestIAMPolicyCoversEveryCall(t *testing.T) {
	g := gomega.NewWithT(t)
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "iam", "controller-policy.json"))
	g.Expect(err).NotTo(gomega.HaveOccurred())
	var policy struct {
		Statement []struct {
			Effect string
			Action []string
		}
	}
	g.Expect(json.Unmarshal(raw, &policy)).To(gomega.Succeed())
	allowed := map[string]bool{}
	for _, s := range policy.Statement {
		for _, a := range s.Action {
			allowed[strings.ToLower(a)] = s.Effect == "Allow"
		}
	}
	ops := calls.ServiceOperations()
	t.Logf("AWS operations called by the manager in these tests: %v", ops)
	for _, op := range ops {
		service, name, _ := strings.Cut(op, ".")
		if service == "STS" { // sts:GetCallerIdentity needs no permission
			continue
		}
		action := awserr.IAMAction(service, name)
		g.Expect(allowed[strings.ToLower(action)]).To(gomega.BeTrue(),
			"the manager called %s, which needs %s: add it to config/iam/controller-policy.json", op, action)
	}
}
