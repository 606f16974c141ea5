package bucketpolicy

// defaultPartition is used when the caller passes no partition, because
// almost every bucket lives in the commercial "aws" partition.
const defaultPartition = "aws"

// DefaultS3Actions returns the actions Bedrock needs on an S3 bucket that
// serves as a knowledge base's data or vector store: the runbook's corrected
// list. It returns a new slice each time so that no caller can change the
// defaults for everyone else.
func DefaultS3Actions() []string {
	return []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"}
}

// DefaultS3VectorsActions returns the actions Bedrock needs on an S3
// Vectors vector bucket to write, read, delete and query embeddings. It
// returns a new slice each time for the same reason as DefaultS3Actions.
func DefaultS3VectorsActions() []string {
	return []string{
		"s3vectors:PutVectors", "s3vectors:GetVectors", "s3vectors:DeleteVectors",
		"s3vectors:QueryVectors", "s3vectors:GetIndex",
	}
}

// S3Resources returns the bucket ARN and the ARN of all its objects. Both
// are needed: s3:ListBucket applies to the bucket and the object actions to
// bucket/*, and forgetting either is a classic cause of Access Denied.
// An empty partition means "aws".
func S3Resources(bucket, partition string) []string {
	if partition == "" {
		partition = defaultPartition
	}
	arn := "arn:" + partition + ":s3:::" + bucket
	return []string{arn, arn + "/*"}
}

// S3VectorsResources returns a vector bucket's ARN
// (arn:aws:s3vectors:REGION:ACCOUNT:bucket/NAME) and the ARN of all its
// indexes, because the vector actions apply to indexes and the index
// listing to the bucket.
func S3VectorsResources(bucketARN string) []string {
	return []string{bucketARN, bucketARN + "/index/*"}
}

// KnowledgeBaseARN returns the ARN of one knowledge base, for an
// aws:SourceArn condition that admits only that knowledge base. An empty
// partition means "aws".
func KnowledgeBaseARN(partition, region, account, kbID string) string {
	if partition == "" {
		partition = defaultPartition
	}
	return "arn:" + partition + ":bedrock:" + region + ":" + account + ":knowledge-base/" + kbID
}

// AnyKnowledgeBaseARN returns the ARN pattern of every knowledge base in an
// account and region, the runbook's aws:SourceArn value, for a bucket that
// several knowledge bases share. An empty partition means "aws".
func AnyKnowledgeBaseARN(partition, region, account string) string {
	return KnowledgeBaseARN(partition, region, account, "*")
}
