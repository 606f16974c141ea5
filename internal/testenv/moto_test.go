package testenv

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestMotoChecksSignaturesAsAWS: with IAM enforcement on, moto accepts a
// correctly signed request whose query or object key holds characters
// SigV4 encodes ("/" in a prefix or delimiter, non-ASCII, "+", "%"), as AWS
// does. Without motofix/sitecustomize.py, moto refuses each with
// SignatureDoesNotMatch.
func TestMotoChecksSignaturesAsAWS(t *testing.T) {
	ctx := context.Background()
	m, err := StartMoto(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	cfg, err := m.EnforceIAM(ctx)
	if err != nil {
		t.Fatal(err)
	}
	api := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	bucket := "motofix-docs"
	if _, err := api.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"docs/a b.pdf", "docs/ü.pdf", "docs/x+y.pdf", "docs/100%.pdf"} {
		if _, err := api.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader("x")}); err != nil {
			t.Errorf("PutObject %q: %v", key, err)
		}
	}
	for _, in := range []*s3.ListObjectsV2Input{
		{Prefix: aws.String("docs/")},
		{Prefix: aws.String("docs/ü")},
		{Prefix: aws.String("docs/x+")},
		{Prefix: aws.String("docs/100%")},
		{Delimiter: aws.String("/")},
		{Prefix: aws.String("docs/"), StartAfter: aws.String("docs/a b.pdf")},
	} {
		in.Bucket = aws.String(bucket)
		if _, err := api.ListObjectsV2(ctx, in); err != nil {
			t.Errorf("ListObjectsV2 prefix %q delimiter %q: %v", aws.ToString(in.Prefix), aws.ToString(in.Delimiter), err)
		}
	}
	for _, key := range []string{"docs/ü.pdf", "docs/100%.pdf"} {
		if _, err := api.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err != nil {
			t.Errorf("GetObject %q: %v", key, err)
		}
	}
}
