package controllers

import (
	"fmt"
	"strings"

	"github.com/kbwarden/kbwarden/internal/testenv"
)

// bindingCalls counts what the AccountBinding reconcilers of these tests
// call with the manager's own identity: sts:AssumeRole of tenant roles.
var bindingCalls = testenv.NewRequestCounter()

// checkIAMPolicyCoversEveryCall keeps config/iam in step with the code:
// every AWS call the manager made during this package's tests must be
// allowed, on the ARN it touched (the bucket for a bucket operation and
// ListObjectsV2, the object for an object operation, the vector bucket, the
// knowledge base, the role), by the policy the identity making it holds:
//   - controller-policy.json, the manager's own role under
//     --tenancy=Optional, as this package's manager runs; its bucket
//     patterns are --allowed-buckets, as config/iam/README.md says;
//   - tenant-role-policy.json, which a tenant role holds for the same calls
//     under Required, with the same buckets as the tenant's;
//   - manager-base-policy.json for the AccountBinding reconciler's
//     sts:AssumeRole (and sts:TagSession: every session is tagged).
//
// TestMain runs it after every test has run, whatever their order, -run or
// -shuffle. sts:GetCallerIdentity needs no permission; nothing else is
// exempt.
func checkIAMPolicyCoversEveryCall() error {
	buckets := []string(testAllowedBuckets)
	controller, err := testenv.LoadPolicy("controller-policy.json", map[string][]string{
		"KB_BUCKET_PATTERN": buckets, "DOCS_BUCKET_PATTERN": buckets, "ACCOUNT_ID": {testenv.AccountID},
	})
	if err != nil {
		return err
	}
	tenant, err := testenv.LoadPolicy("tenant-role-policy.json", map[string][]string{
		"TENANT_BUCKET_PATTERN": buckets, "ACCOUNT_ID": {testenv.AccountID}, "REGION": {"*"}, "KNOWLEDGE_BASE_ID": {"*"},
		"SHARED_DOCS_BUCKET": {"acme-docs"}, "SHARED_DOCS_PREFIX": {"team-a/"}, "DOCS_KMS_KEY_ID": {"*"},
	})
	if err != nil {
		return err
	}
	base, err := testenv.LoadPolicy("manager-base-policy.json", map[string][]string{"TENANT_ACCOUNT_ID": {testenv.AccountID}})
	if err != nil {
		return err
	}
	var missing []string
	for _, c := range calls.Calls() {
		if c.Service == "STS" && c.Operation == "GetCallerIdentity" {
			continue
		}
		missing = append(missing, controller.Uncovered([]testenv.Call{c})...)
		missing = append(missing, tenant.Uncovered([]testenv.Call{c})...)
	}
	for _, c := range bindingCalls.Calls() {
		if c.Service == "STS" && c.Operation == "AssumeRole" {
			missing = append(missing, base.Uncovered([]testenv.Call{c})...)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the code and config/iam disagree:\n  %s", strings.Join(missing, "\n  "))
	}
	return nil
}
