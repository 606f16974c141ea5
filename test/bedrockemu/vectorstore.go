package bedrockemu

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3vectors"
	"github.com/aws/aws-sdk-go-v2/service/s3vectors/document"
	vtypes "github.com/aws/aws-sdk-go-v2/service/s3vectors/types"
)

// BedrockPrincipal is the service principal the emulator acts as when it
// writes to the vector store, the one the runbook's policy names.
const BedrockPrincipal = "bedrock.amazonaws.com"

// EmbeddingKey is where, in an S3 vector bucket, the emulator writes the
// "embedding" of a document: one small JSON object per indexed document.
func EmbeddingKey(kbID, dsID, docKey string) string {
	return "embeddings/" + kbID + "/" + dsID + "/" + docKey + ".json"
}

// VectorKey is the key of a document's vector in an S3 Vectors index.
func VectorKey(dsID, docKey string) string { return dsID + "/" + docKey }

func (s *Server) vectorBucketArn(bucket string) string {
	return fmt.Sprintf("arn:aws:s3vectors:%s:%s:bucket/%s", s.cfg.Region, s.cfg.AccountID, bucket)
}

func (s *Server) vectorIndexArn(bucket, index string) string {
	return s.vectorBucketArn(bucket) + "/index/" + index
}

// vectorTarget is a job's view of its vector store: the live policy read
// once per job, and for S3 Vectors the index dimension.
type vectorTarget struct {
	s         *Server
	in        ingestInput
	policy    *Policy
	policyErr error
	dimension int
}

// openVectorStore reads the store's live policy (and index). An absent
// policy is not an error: it simply allows nothing.
func (s *Server) openVectorStore(ctx context.Context, in ingestInput) (*vectorTarget, error) {
	t := &vectorTarget{s: s, in: in}
	vs := in.kb.VectorStore
	var doc string
	if vs.Type == StorageS3Vectors {
		idx, err := s.vectors.GetIndex(ctx, &s3vectors.GetIndexInput{VectorBucketName: aws.String(vs.Bucket), IndexName: aws.String(vs.Index)})
		if err != nil {
			return nil, fmt.Errorf("unable to read vector index %s: %w", s.vectorIndexArn(vs.Bucket, vs.Index), err)
		}
		t.dimension = int(aws.ToInt32(idx.Index.Dimension))
		out, err := s.vectors.GetVectorBucketPolicy(ctx, &s3vectors.GetVectorBucketPolicyInput{VectorBucketName: aws.String(vs.Bucket)})
		if err != nil && apiCode(err) != "NotFoundException" {
			return nil, fmt.Errorf("unable to read the policy of vector bucket %s: %w", vs.Bucket, err)
		}
		if err == nil {
			doc = aws.ToString(out.Policy)
		}
	} else {
		out, err := s.s3.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(vs.Bucket)})
		if err != nil && apiCode(err) != "NoSuchBucketPolicy" {
			return nil, fmt.Errorf("unable to read the policy of vector bucket %s: %w", vs.Bucket, err)
		}
		if err == nil {
			doc = aws.ToString(out.Policy)
		}
	}
	if doc != "" {
		t.policy, t.policyErr = ParsePolicy(doc)
	}
	return t, nil
}

// resource returns the action and ARN Bedrock needs to write (or delete)
// a document's embedding.
func (t *vectorTarget) resource(docKey string, del bool) (action, arn string) {
	vs := t.in.kb.VectorStore
	if vs.Type == StorageS3Vectors {
		if del {
			return "s3vectors:DeleteVectors", t.s.vectorIndexArn(vs.Bucket, vs.Index)
		}
		return "s3vectors:PutVectors", t.s.vectorIndexArn(vs.Bucket, vs.Index)
	}
	arn = "arn:aws:s3:::" + vs.Bucket + "/" + EmbeddingKey(t.in.kb.ID, t.in.ds.ID, docKey)
	if del {
		return "s3:DeleteObject", arn
	}
	return "s3:PutObject", arn
}

// authorize evaluates the live policy for Bedrock's service principal with
// the request context the real service sends, and returns an AWS-style
// access denied message, or "" when allowed.
func (t *vectorTarget) authorize(docKey string, del bool) string {
	action, arn := t.resource(docKey, del)
	decision := ImplicitDeny
	if t.policy != nil {
		decision = t.policy.Evaluate(Request{
			PrincipalType: "Service", Principal: BedrockPrincipal, Action: action, Resource: arn,
			Context: map[string][]string{
				"aws:SourceAccount":         {t.s.cfg.AccountID},
				"aws:SourceArn":             {t.s.kbArn(t.in.kb.ID)},
				"aws:PrincipalServiceName":  {BedrockPrincipal},
				"aws:PrincipalIsAWSService": {"true"},
				"aws:SecureTransport":       {"true"},
			},
		})
	}
	code := "AccessDenied"
	if t.in.kb.VectorStore.Type == StorageS3Vectors {
		code = "AccessDeniedException"
	}
	why := fmt.Sprintf("because no resource-based policy allows the %s action", action)
	switch {
	case decision == Allowed:
		return ""
	case decision == ExplicitDeny:
		why = "with an explicit deny in a resource-based policy"
	case t.policyErr != nil:
		why += fmt.Sprintf(" (the bucket policy could not be parsed: %v)", t.policyErr)
	}
	return fmt.Sprintf("%s: %s is not authorized to perform: %s on resource: %s %s", code, BedrockPrincipal, action, arn, why)
}

// fakeVector derives a deterministic unit-ish vector from a document's
// identity, so reruns write identical data.
func fakeVector(seed string, dim int) []float32 {
	out := make([]float32, dim)
	for i := range out {
		sum := sha256.Sum256([]byte(fmt.Sprintf("%s#%d", seed, i/8)))
		u := binary.BigEndian.Uint32(sum[(i%8)*4:])
		out[i] = float32(u)/float32(math.MaxUint32)*2 - 1
	}
	return out
}

func (t *vectorTarget) put(ctx context.Context, c change) error {
	vs, uri := t.in.kb.VectorStore, "s3://"+t.in.ds.Bucket+"/"+c.key
	if vs.Type == StorageS3Vectors {
		_, err := t.s.vectors.PutVectors(ctx, &s3vectors.PutVectorsInput{
			VectorBucketName: aws.String(vs.Bucket), IndexName: aws.String(vs.Index),
			Vectors: []vtypes.PutInputVector{{
				Key:  aws.String(VectorKey(t.in.ds.ID, c.key)),
				Data: &vtypes.VectorDataMemberFloat32{Value: fakeVector(uri+c.etag, t.dimension)},
				Metadata: document.NewLazyDocument(map[string]any{
					"x-amz-bedrock-kb-source-uri":     uri,
					"x-amz-bedrock-kb-data-source-id": t.in.ds.ID,
				}),
			}},
		})
		return err
	}
	body, _ := json.Marshal(map[string]any{
		"sourceUri": uri, "etag": c.etag, "knowledgeBaseId": t.in.kb.ID, "dataSourceId": t.in.ds.ID,
		"ingestionJobId": t.in.jobID, "vector": fakeVector(uri+c.etag, 8),
	})
	_, err := t.s.s3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(vs.Bucket), Key: aws.String(EmbeddingKey(t.in.kb.ID, t.in.ds.ID, c.key)),
		Body: bytes.NewReader(body), ContentType: aws.String("application/json"),
	})
	return err
}

func (t *vectorTarget) remove(ctx context.Context, docKey string) error {
	vs := t.in.kb.VectorStore
	if vs.Type == StorageS3Vectors {
		_, err := t.s.vectors.DeleteVectors(ctx, &s3vectors.DeleteVectorsInput{
			VectorBucketName: aws.String(vs.Bucket), IndexName: aws.String(vs.Index),
			Keys: []string{VectorKey(t.in.ds.ID, docKey)},
		})
		return err
	}
	_, err := t.s.s3.DeleteObject(ctx, &s3.DeleteObjectInput{
		Bucket: aws.String(vs.Bucket), Key: aws.String(EmbeddingKey(t.in.kb.ID, t.in.ds.ID, docKey)),
	})
	return err
}
