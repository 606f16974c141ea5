package awsclient

import "github.com/aws/aws-sdk-go-v2/service/s3"

// QuietS3 turns off the S3 client's notice that a response carried no
// checksum to validate, which the SDK documents as optional and logs for
// every such GetObject (moto's responses among them).
func QuietS3(o *s3.Options) { o.DisableLogOutputChecksumValidationSkipped = true }
