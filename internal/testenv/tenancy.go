package testenv

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// ManagerUser is the IAM user that stands for kbwarden's own role in
// tenancy tests.
const ManagerUser = "kbwarden-manager"

// Tenant is one tenant role SetUpTenancy creates under the /kbwarden/ path,
// with config/iam/tenant-role-policy.json for its buckets and
// config/iam/tenant-role-trust-policy.json.
type Tenant struct {
	// Role is the role's name; its ARN is RoleARN(Role).
	Role string
	// Binding is the AccountBinding the trust policy names.
	Binding string
	// ExternalID, when set, is required by the trust policy.
	ExternalID string
	// Buckets is the bucket pattern of the policy (TENANT_BUCKET_PATTERN),
	// for example team-a-*.
	Buckets string
	// SharedDocs and SharedPrefix fill SHARED_DOCS_BUCKET and
	// SHARED_DOCS_PREFIX; they default to acme-docs and Role + "/".
	SharedDocs, SharedPrefix string
	// Untrusted makes the trust policy name another principal than the
	// manager, so kbwarden cannot assume the role.
	Untrusted bool
}

// Tenancy is moto set up as a platform team would set up AWS for kbwarden.
type Tenancy struct {
	// Admin may do anything: for creating buckets and the like.
	Admin aws.Config
	// Manager acts as kbwarden's own role: it holds only
	// config/iam/manager-base-policy.json.
	Manager aws.Config
	// ManagerARN is the manager's principal.
	ManagerARN string
}

// RoleARN is the ARN of a tenant role SetUpTenancy created.
func RoleARN(role string) string { return "arn:aws:iam::" + AccountID + ":role/kbwarden/" + role }

// SetUpTenancy turns IAM enforcement on (EnforceIAM), creates the manager
// user with config/iam/manager-base-policy.json, and the tenant roles. From
// then on moto authorizes every request as AWS would, against the policies
// kbwarden ships.
func (m *Moto) SetUpTenancy(ctx context.Context, tenants ...Tenant) (*Tenancy, error) {
	admin, err := m.EnforceIAM(ctx)
	if err != nil {
		return nil, err
	}
	t := &Tenancy{Admin: admin}
	api := iam.NewFromConfig(admin)
	user, err := api.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(ManagerUser)})
	if err != nil {
		return nil, fmt.Errorf("creating the manager user: %w", err)
	}
	t.ManagerARN = aws.ToString(user.User.Arn)
	base, err := IAMPolicy("manager-base-policy.json", "TENANT_ACCOUNT_ID", AccountID)
	if err != nil {
		return nil, err
	}
	if _, err := api.PutUserPolicy(ctx, &iam.PutUserPolicyInput{
		UserName: aws.String(ManagerUser), PolicyName: aws.String("base"), PolicyDocument: aws.String(base),
	}); err != nil {
		return nil, fmt.Errorf("allowing the manager user: %w", err)
	}
	key, err := api.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(ManagerUser)})
	if err != nil {
		return nil, fmt.Errorf("creating the manager's access key: %w", err)
	}
	if t.Manager, err = m.AWSConfig(ctx, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(
		aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), ""))); err != nil {
		return nil, err
	}
	for _, tn := range tenants {
		if err := t.createRole(ctx, api, tn); err != nil {
			return nil, fmt.Errorf("creating tenant role %s: %w", tn.Role, err)
		}
	}
	return t, nil
}

func (t *Tenancy) createRole(ctx context.Context, api *iam.Client, tn Tenant) error {
	trusted := t.ManagerARN
	if tn.Untrusted {
		trusted = "arn:aws:iam::" + AccountID + ":user/somebody-else"
	}
	trust, err := IAMPolicy("tenant-role-trust-policy.json", "MANAGER_ROLE_ARN", trusted, "EXTERNAL_ID", tn.ExternalID, "BINDING_NAME", tn.Binding)
	if err != nil {
		return err
	}
	if tn.ExternalID == "" {
		if trust, err = withoutExternalID(trust); err != nil {
			return err
		}
	}
	if tn.SharedDocs == "" {
		tn.SharedDocs = "acme-docs"
	}
	if tn.SharedPrefix == "" {
		tn.SharedPrefix = tn.Role + "/"
	}
	policy, err := IAMPolicy("tenant-role-policy.json",
		"TENANT_BUCKET_PATTERN", tn.Buckets, "SHARED_DOCS_BUCKET", tn.SharedDocs, "SHARED_DOCS_PREFIX", tn.SharedPrefix,
		"ACCOUNT_ID", AccountID, "REGION", "*", "DOCS_KMS_KEY_ID", "*", "KNOWLEDGE_BASE_ID", "*")
	if err != nil {
		return err
	}
	if _, err := api.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: aws.String(tn.Role), Path: aws.String("/kbwarden/"), AssumeRolePolicyDocument: aws.String(trust),
	}); err != nil {
		return err
	}
	_, err = api.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
		RoleName: aws.String(tn.Role), PolicyName: aws.String("tenant"), PolicyDocument: aws.String(policy),
	})
	return err
}

// IAMPolicy reads a policy of config/iam with its placeholders replaced
// (pairs of placeholder and value).
func IAMPolicy(name string, replace ...string) (string, error) {
	raw, err := os.ReadFile(filepath.Join(RepoRoot(), "config", "iam", name))
	if err != nil {
		return "", err
	}
	return strings.NewReplacer(replace...).Replace(string(raw)), nil
}

// withoutExternalID drops the sts:ExternalId condition of the trust policy
// template, as config/iam/README.md says to for a role that requires none.
func withoutExternalID(trust string) (string, error) {
	var doc map[string]any
	if err := json.Unmarshal([]byte(trust), &doc); err != nil {
		return "", fmt.Errorf("tenant-role-trust-policy.json: %w", err)
	}
	statements, _ := doc["Statement"].([]any)
	for _, st := range statements {
		if st, ok := st.(map[string]any); ok && st["Action"] == "sts:AssumeRole" {
			delete(st, "Condition")
		}
	}
	out, err := json.Marshal(doc)
	return string(out), err
}
