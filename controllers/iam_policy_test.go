package controllers

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kbwarden/kbwarden/internal/awserr"
	"github.com/kbwarden/kbwarden/internal/testenv"
)

// checkIAMPolicyCoversEveryCall keeps config/iam/controller-policy.json in
// step with the code: every AWS operation the manager called during this
// package's tests must be allowed by it. TestMain runs it after every test
// has run, whatever their order, -run or -shuffle.
func checkIAMPolicyCoversEveryCall() error {
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "iam", "controller-policy.json"))
	if err != nil {
		return err
	}
	var policy struct {
		Statement []struct {
			Effect string
			Action []string
		}
	}
	if err := json.Unmarshal(raw, &policy); err != nil {
		return fmt.Errorf("config/iam/controller-policy.json: %w", err)
	}
	allowed := map[string]bool{}
	for _, s := range policy.Statement {
		for _, a := range s.Action {
			allowed[strings.ToLower(a)] = s.Effect == "Allow"
		}
	}
	var missing []string
	for _, op := range calls.ServiceOperations() {
		service, name, _ := strings.Cut(op, ".")
		if service == "STS" { // sts:GetCallerIdentity needs no permission
			continue
		}
		if action := awserr.IAMAction(service, name); !allowed[strings.ToLower(action)] {
			missing = append(missing, fmt.Sprintf("the manager called %s, which needs %s", op, action))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("add these to config/iam/controller-policy.json:\n  %s", strings.Join(missing, "\n  "))
	}
	return nil
}
