package tenancy

import (
	"fmt"
	"strings"

	"github.com/kbwarden/kbwarden/internal/testenv"
)

// checkIAMPolicyCoversEveryCall: every call the manager made in this suite
// is allowed, on the ARN it touched, by the config/iam policy of the
// identity that made it: sts:AssumeRole (and sts:TagSession) by
// manager-base-policy.json, everything else by tenant-role-policy.json of
// one of the tenants (moto has already authorized each against the
// tenant's role; this also holds the Resource of each statement to what
// the code touches, where moto is lenient). sts:GetCallerIdentity needs no
// permission.
func checkIAMPolicyCoversEveryCall() error {
	base, err := testenv.LoadPolicy("manager-base-policy.json", map[string][]string{"TENANT_ACCOUNT_ID": {testenv.AccountID}})
	if err != nil {
		return err
	}
	tenant, err := testenv.LoadPolicy("tenant-role-policy.json", map[string][]string{
		"TENANT_BUCKET_PATTERN": {"team-a-*", "team-b-*"}, "ACCOUNT_ID": {testenv.AccountID}, "REGION": {testenv.Region},
		"KNOWLEDGE_BASE_ID": {"*"}, "SHARED_DOCS_BUCKET": {"acme-docs"}, "SHARED_DOCS_PREFIX": {"team-a/"}, "DOCS_KMS_KEY_ID": {"*"},
	})
	if err != nil {
		return err
	}
	var missing []string
	for _, c := range calls.Calls() {
		switch {
		case c.Service == "STS" && c.Operation == "GetCallerIdentity":
		case c.Service == "STS" && c.Operation == "AssumeRole":
			missing = append(missing, base.Uncovered([]testenv.Call{c})...)
		default:
			missing = append(missing, tenant.Uncovered([]testenv.Call{c})...)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the code and config/iam disagree:\n  %s", strings.Join(missing, "\n  "))
	}
	return nil
}
