package awsclient

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/kbwarden/kbwarden/internal/testenv"
)

// The tests run against one moto_server with IAM enforcement on: every
// request is authorized against its caller's IAM policies, the tenant
// roles' included, so a mistake in what kbwarden assumes shows as AWS would
// show it.
var (
	moto *testenv.Moto
	// admin sets up users, roles and buckets.
	admin aws.Config
	// manager acts as kbwarden's own identity: an IAM user holding only
	// config/iam/manager-base-policy.json.
	manager aws.Config
	// managerARN is its principal, named in the tenant roles' trust policy.
	managerARN string
)

const (
	account         = testenv.AccountID
	teamARole       = "arn:aws:iam::" + account + ":role/kbwarden/team-a"
	teamBRole       = "arn:aws:iam::" + account + ":role/kbwarden/team-b"
	strangerRole    = "arn:aws:iam::" + account + ":role/kbwarden/stranger"
	teamAExternalID = "team-a-external-id"
)

func TestMain(m *testing.M) {
	ctx := context.Background()
	var err error
	if moto, err = testenv.StartMoto(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "starting moto:", err)
		os.Exit(1)
	}
	if err = setUp(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "setting up moto's IAM:", err, "; moto's log:", moto.LogPath())
		moto.Stop()
		os.Exit(1)
	}
	code := m.Run()
	moto.Stop()
	os.Exit(code)
}

// setUp creates, with IAM enforced: the manager user with the base policy;
// team-a's role (trusting the manager, with an external ID) and team-b's
// (trusting it without), each with config/iam/tenant-role-policy.json for
// its own buckets; a role that does not trust the manager; and the buckets.
func setUp(ctx context.Context) error {
	var err error
	if admin, err = moto.EnforceIAM(ctx); err != nil {
		return err
	}
	api := iam.NewFromConfig(admin)
	user, err := api.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("kbwarden-manager")})
	if err != nil {
		return err
	}
	managerARN = aws.ToString(user.User.Arn)
	if _, err := api.PutUserPolicy(ctx, &iam.PutUserPolicyInput{
		UserName: aws.String("kbwarden-manager"), PolicyName: aws.String("base"),
		PolicyDocument: aws.String(policyFile("manager-base-policy.json", "TENANT_ACCOUNT_ID", account)),
	}); err != nil {
		return err
	}
	key, err := api.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("kbwarden-manager")})
	if err != nil {
		return err
	}
	if manager, err = moto.AWSConfig(ctx, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(
		aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), ""))); err != nil {
		return err
	}
	roles := []struct {
		name, binding, externalID, trusted, buckets string
	}{
		{"team-a", "team-a-dev", teamAExternalID, managerARN, "team-a-*"},
		{"team-b", "team-b-dev", "", managerARN, "team-b-*"},
		{"stranger", "team-a-dev", "", "arn:aws:iam::" + account + ":user/somebody-else", "team-a-*"},
	}
	for _, r := range roles {
		trust := policyFile("tenant-role-trust-policy.json", "MANAGER_ROLE_ARN", r.trusted, "EXTERNAL_ID", r.externalID, "BINDING_NAME", r.binding)
		if r.externalID == "" {
			trust = withoutExternalID(trust)
		}
		if _, err := api.CreateRole(ctx, &iam.CreateRoleInput{
			RoleName: aws.String(r.name), Path: aws.String("/kbwarden/"), AssumeRolePolicyDocument: aws.String(trust),
		}); err != nil {
			return fmt.Errorf("creating role %s: %w", r.name, err)
		}
		if _, err := api.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
			RoleName: aws.String(r.name), PolicyName: aws.String("tenant"),
			PolicyDocument: aws.String(policyFile("tenant-role-policy.json",
				"TENANT_BUCKET_PATTERN", r.buckets, "SHARED_DOCS_BUCKET", "acme-docs", "SHARED_DOCS_PREFIX", r.name+"/",
				"ACCOUNT_ID", account, "REGION", "*", "DOCS_KMS_KEY_ID", "*", "KNOWLEDGE_BASE_ID", "*")),
		}); err != nil {
			return fmt.Errorf("allowing role %s: %w", r.name, err)
		}
	}
	s3api := s3.NewFromConfig(admin, func(o *s3.Options) { o.UsePathStyle = true })
	for _, b := range []string{"team-a-vectors", "team-b-vectors", "acme-docs"} {
		if _, err := s3api.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			return fmt.Errorf("creating bucket %s: %w", b, err)
		}
	}
	return nil
}

// policyFile reads a policy of config/iam with its placeholders replaced
// (pairs of placeholder and value).
func policyFile(name string, replace ...string) string {
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "iam", name))
	if err != nil {
		panic(err)
	}
	return strings.NewReplacer(replace...).Replace(string(raw))
}

// withoutExternalID drops the sts:ExternalId condition of the trust policy
// template, as the README says to for a role that requires none.
func withoutExternalID(trust string) string {
	var doc map[string]any
	if err := json.Unmarshal([]byte(trust), &doc); err != nil {
		panic(err)
	}
	for _, st := range doc["Statement"].([]any) {
		if st := st.(map[string]any); st["Action"] == "sts:AssumeRole" {
			delete(st, "Condition")
		}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return string(out)
}
