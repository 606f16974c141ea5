package awsclient

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/kbwarden/kbwarden/internal/testenv"
)

// The tests run against one moto_server with IAM enforcement on: every
// request is authorized against its caller's IAM policies, the tenant
// roles' included, so a mistake in what kbwarden assumes shows as AWS would
// show it.
var (
	moto *testenv.Moto
	// manager acts as kbwarden's own identity: an IAM user holding only
	// config/iam/manager-base-policy.json.
	manager aws.Config
	// managerARN is its principal, named in the tenant roles' trust policy.
	managerARN string
)

const (
	account         = testenv.AccountID
	teamAExternalID = "team-a-external-id"
)

var (
	teamARole    = testenv.RoleARN("team-a")
	teamBRole    = testenv.RoleARN("team-b")
	strangerRole = testenv.RoleARN("stranger")
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

// setUp enforces IAM and creates the manager; team-a's role (trusting the
// manager, with an external ID) and team-b's (without), each allowed its
// own buckets; a role that does not trust the manager; and the buckets.
func setUp(ctx context.Context) error {
	tenancy, err := moto.SetUpTenancy(ctx,
		testenv.Tenant{Role: "team-a", Binding: "team-a-dev", ExternalID: teamAExternalID, Buckets: "team-a-*"},
		testenv.Tenant{Role: "team-b", Binding: "team-b-dev", Buckets: "team-b-*"},
		testenv.Tenant{Role: "stranger", Binding: "team-a-dev", Buckets: "team-a-*", Untrusted: true},
	)
	if err != nil {
		return err
	}
	manager, managerARN = tenancy.Manager, tenancy.ManagerARN
	s3api := s3.NewFromConfig(tenancy.Admin, func(o *s3.Options) { o.UsePathStyle = true })
	for _, b := range []string{"team-a-vectors", "team-b-vectors", "acme-docs"} {
		if _, err := s3api.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			return fmt.Errorf("creating bucket %s: %w", b, err)
		}
	}
	return nil
}
