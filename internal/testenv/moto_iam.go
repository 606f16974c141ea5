package testenv

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// AdminUser is the IAM user EnforceIAM creates, allowed everything.
const AdminUser = "kbwarden-test-admin"

// EnforceIAM turns on moto's IAM enforcement, as moto_server started with
// INITIAL_NO_AUTH_ACTION_COUNT=0 would have it: from now on every request
// is authorized against the caller's IAM policies (assumed-role sessions
// included, and a role's trust policy for sts:AssumeRole), and the static
// test credentials of AWSConfig no longer work for anything but
// sts:GetCallerIdentity. It first creates AdminUser, allowed everything,
// and returns an SDK configuration acting as that user, for setting up
// users, roles and buckets.
//
// It uses moto's /moto-api/reset-auth, which sets the same setting at run
// time, so one moto_server can start open and be locked afterwards. Reset
// removes the administrator with everything else, so call EnforceIAM
// again after it.
func (m *Moto) EnforceIAM(ctx context.Context) (aws.Config, error) {
	if err := m.setNoAuthCount(ctx, "inf"); err != nil {
		return aws.Config{}, err
	}
	open, err := m.AWSConfig(ctx)
	if err != nil {
		return aws.Config{}, err
	}
	api := iam.NewFromConfig(open)
	if _, err := api.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(AdminUser)}); err != nil {
		return aws.Config{}, fmt.Errorf("creating moto's administrator: %w", err)
	}
	if _, err := api.PutUserPolicy(ctx, &iam.PutUserPolicyInput{
		UserName:       aws.String(AdminUser),
		PolicyName:     aws.String("everything"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`),
	}); err != nil {
		return aws.Config{}, fmt.Errorf("allowing moto's administrator: %w", err)
	}
	key, err := api.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(AdminUser)})
	if err != nil {
		return aws.Config{}, fmt.Errorf("creating the administrator's access key: %w", err)
	}
	if err := m.setNoAuthCount(ctx, "0"); err != nil {
		return aws.Config{}, err
	}
	return m.AWSConfig(ctx, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(
		aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")))
}

// DisableIAM turns IAM enforcement off again.
func (m *Moto) DisableIAM(ctx context.Context) error { return m.setNoAuthCount(ctx, "inf") }

// setNoAuthCount sets INITIAL_NO_AUTH_ACTION_COUNT and restarts moto's
// request count.
func (m *Moto) setNoAuthCount(ctx context.Context, n string) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, m.Endpoint+"/moto-api/reset-auth", strings.NewReader(n))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("setting moto's INITIAL_NO_AUTH_ACTION_COUNT to %s: %w", n, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("setting moto's INITIAL_NO_AUTH_ACTION_COUNT to %s: HTTP %d", n, resp.StatusCode)
	}
	return nil
}
