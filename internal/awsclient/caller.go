package awsclient

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Caller is what sts:GetCallerIdentity says of a set of credentials.
type Caller struct {
	Account string
	ARN     string
	UserID  string
}

// CredentialsError is returned when an identity's credentials could not be
// obtained at all: for an assumed role, sts:AssumeRole failed (Err is its
// error, which internal/awserr classifies).
type CredentialsError struct {
	Identity Identity
	Err      error
}

func (e *CredentialsError) Error() string {
	if e.Identity.assumes() {
		return fmt.Sprintf("assuming role %s: %v", e.Identity.RoleARN, e.Err)
	}
	return fmt.Sprintf("retrieving the manager's AWS credentials: %v", e.Err)
}

func (e *CredentialsError) Unwrap() error { return e.Err }

// callerCache remembers GetCallerIdentity per identity. Its mutex is held
// across the call, so concurrent reconciles ask once.
type callerCache struct {
	// creds are the identity's credentials; nil for the manager's own,
	// which the STS client then retrieves itself.
	creds aws.CredentialsProvider

	mu        sync.Mutex
	last      Caller
	accessKey string // the access key last was asked for
}

// identity asks STS about the current credentials unless it already has.
func (c *callerCache) identity(ctx context.Context, api *sts.Client, id Identity) (Caller, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := ""
	if c.creds != nil {
		creds, err := c.creds.Retrieve(ctx)
		if err != nil {
			return Caller{}, &CredentialsError{Identity: id, Err: err}
		}
		key = creds.AccessKeyID
	}
	if c.last.Account != "" && key == c.accessKey {
		return c.last, nil
	}
	out, err := api.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return Caller{}, err
	}
	if aws.ToString(out.Account) == "" {
		return Caller{}, errors.New("sts:GetCallerIdentity returned no account")
	}
	c.last = Caller{Account: aws.ToString(out.Account), ARN: aws.ToString(out.Arn), UserID: aws.ToString(out.UserId)}
	c.accessKey = key
	return c.last, nil
}

// account returns the account once known: a role's account never changes,
// so renewed credentials are not asked about again.
func (c *callerCache) account(ctx context.Context, api *sts.Client, id Identity) (string, error) {
	c.mu.Lock()
	known := c.last.Account
	c.mu.Unlock()
	if known != "" {
		return known, nil
	}
	caller, err := c.identity(ctx, api, id)
	return caller.Account, err
}
