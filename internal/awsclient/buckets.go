package awsclient

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/s3vectors"

	"github.com/kbwarden/kbwarden/internal/awserr"
)

// ErrBucketNotFound is returned (wrapped with the AWS error) when the bucket
// itself does not exist, as opposed to one of its configurations.
var ErrBucketNotFound = errors.New("bucket not found")

// BucketFacts are the read-only settings kbwarden reports and never changes
// (the runbook's step 2).
type BucketFacts struct {
	// Encryption is the default encryption (AES256, aws:kms...) or "None".
	Encryption string
	// PublicAccessBlocked is true when all four block settings are on; nil
	// when the bucket type has no such setting.
	PublicAccessBlocked *bool
}

// S3Bucket adapts an S3 client to the policy, versioning and facts calls
// kbwarden makes on a general purpose bucket.
type S3Bucket struct{ Client *s3.Client }

// GetPolicy returns the bucket policy, or found=false when it has none.
func (b S3Bucket) GetPolicy(ctx context.Context, bucket string) (policy string, found bool, err error) {
	out, err := b.Client.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: &bucket})
	switch {
	case awserr.Code(err) == "NoSuchBucketPolicy":
		return "", false, nil
	case awserr.Code(err) == "NoSuchBucket":
		return "", false, errors.Join(ErrBucketNotFound, err)
	case err != nil:
		return "", false, err
	}
	return aws.ToString(out.Policy), true, nil
}

// PutPolicy replaces the bucket policy.
func (b S3Bucket) PutPolicy(ctx context.Context, bucket, policy string) error {
	_, err := b.Client.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: &bucket, Policy: &policy})
	return notFound(err)
}

// DeletePolicy removes the bucket policy.
func (b S3Bucket) DeletePolicy(ctx context.Context, bucket string) error {
	_, err := b.Client.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: &bucket})
	return notFound(err)
}

// GetVersioning returns Enabled, Suspended, or Disabled (never enabled).
func (b S3Bucket) GetVersioning(ctx context.Context, bucket string) (string, error) {
	out, err := b.Client.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: &bucket})
	if err != nil {
		return "", notFound(err)
	}
	if out.Status == "" {
		return "Disabled", nil
	}
	return string(out.Status), nil
}

// PutVersioning sets versioning to Enabled or Suspended.
func (b S3Bucket) PutVersioning(ctx context.Context, bucket, status string) error {
	_, err := b.Client.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
		Bucket:                  &bucket,
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatus(status)},
	})
	return notFound(err)
}

// GetFacts reads the default encryption and the public access block. A
// bucket without an encryption configuration (possible on emulators and old
// buckets) reports None rather than failing.
func (b S3Bucket) GetFacts(ctx context.Context, bucket string) (BucketFacts, error) {
	var f BucketFacts
	enc, err := b.Client.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: &bucket})
	switch {
	case awserr.Code(err) == "ServerSideEncryptionConfigurationNotFoundError":
		f.Encryption = "None"
	case err != nil:
		return f, notFound(err)
	default:
		f.Encryption = "None"
		if enc.ServerSideEncryptionConfiguration != nil {
			for _, r := range enc.ServerSideEncryptionConfiguration.Rules {
				if r.ApplyServerSideEncryptionByDefault != nil {
					f.Encryption = string(r.ApplyServerSideEncryptionByDefault.SSEAlgorithm)
					break
				}
			}
		}
	}
	blocked := false
	pab, err := b.Client.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: &bucket})
	switch {
	case awserr.Code(err) == "NoSuchPublicAccessBlockConfiguration":
	case err != nil:
		return f, notFound(err)
	case pab.PublicAccessBlockConfiguration != nil:
		c := pab.PublicAccessBlockConfiguration
		blocked = aws.ToBool(c.BlockPublicAcls) && aws.ToBool(c.IgnorePublicAcls) &&
			aws.ToBool(c.BlockPublicPolicy) && aws.ToBool(c.RestrictPublicBuckets)
	}
	f.PublicAccessBlocked = &blocked
	return f, nil
}

// notFound marks a NoSuchBucket error as ErrBucketNotFound.
func notFound(err error) error {
	if awserr.Code(err) == "NoSuchBucket" {
		return errors.Join(ErrBucketNotFound, err)
	}
	return err
}

// VectorBucket adapts an S3 Vectors client to the policy and facts calls
// kbwarden makes on a vector bucket. S3 Vectors buckets have no versioning.
type VectorBucket struct{ Client *s3vectors.Client }

// GetPolicy returns the vector bucket policy, or found=false when it has
// none. S3 Vectors answers NotFoundException both for a missing bucket and a
// missing policy, so a NotFound is told apart with GetVectorBucket (only
// then, so steady state costs one call).
func (b VectorBucket) GetPolicy(ctx context.Context, bucket string) (string, bool, error) {
	out, err := b.Client.GetVectorBucketPolicy(ctx, &s3vectors.GetVectorBucketPolicyInput{VectorBucketName: &bucket})
	if err == nil {
		return aws.ToString(out.Policy), aws.ToString(out.Policy) != "", nil
	}
	if !awserr.Is(err, awserr.NotFound) {
		return "", false, err
	}
	if _, gerr := b.Client.GetVectorBucket(ctx, &s3vectors.GetVectorBucketInput{VectorBucketName: &bucket}); gerr != nil {
		return "", false, vectorNotFound(gerr)
	}
	return "", false, nil
}

// PutPolicy replaces the vector bucket policy.
func (b VectorBucket) PutPolicy(ctx context.Context, bucket, policy string) error {
	_, err := b.Client.PutVectorBucketPolicy(ctx, &s3vectors.PutVectorBucketPolicyInput{VectorBucketName: &bucket, Policy: &policy})
	return vectorNotFound(err)
}

// DeletePolicy removes the vector bucket policy.
func (b VectorBucket) DeletePolicy(ctx context.Context, bucket string) error {
	_, err := b.Client.DeleteVectorBucketPolicy(ctx, &s3vectors.DeleteVectorBucketPolicyInput{VectorBucketName: &bucket})
	return vectorNotFound(err)
}

// GetFacts reads the vector bucket's encryption. Vector buckets are never
// public, so PublicAccessBlocked stays nil.
func (b VectorBucket) GetFacts(ctx context.Context, bucket string) (BucketFacts, error) {
	out, err := b.Client.GetVectorBucket(ctx, &s3vectors.GetVectorBucketInput{VectorBucketName: &bucket})
	if err != nil {
		return BucketFacts{}, vectorNotFound(err)
	}
	f := BucketFacts{Encryption: "AES256"} // S3 Vectors' documented default
	if vb := out.VectorBucket; vb != nil && vb.EncryptionConfiguration != nil && vb.EncryptionConfiguration.SseType != "" {
		f.Encryption = string(vb.EncryptionConfiguration.SseType)
	}
	return f, nil
}

func vectorNotFound(err error) error {
	if awserr.Is(err, awserr.NotFound) {
		return errors.Join(ErrBucketNotFound, err)
	}
	return err
}
