package testenv

import (
	"context"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"

	"github.com/kbwarden/kbwarden/internal/arn"
	"github.com/kbwarden/kbwarden/internal/bucketpolicy"
)

// RequestCounter counts SDK calls by operation and by the bucket they name,
// so tests can assert what a reconcile cost ("one GetBucketPolicy, no
// PutBucketPolicy"). It sees calls as the SDK makes them, retries included
// once per call.
type RequestCounter struct {
	mu     sync.Mutex
	counts map[string]int // key: "Operation" and "Operation bucket"
	// qualified holds "ServiceID.Operation" of every call, for checking the
	// controller's IAM policy covers them.
	qualified map[string]bool
	// resources holds every distinct call with the ARNs it touched, for
	// checking the IAM policies allow each on its resource.
	resources map[string]Call
	// onResource counts calls by "Operation ARN", for calls that name no
	// bucket (a knowledge base's ingestion jobs).
	onResource map[string]int
}

// Call is one kind of request the SDK made: the service (its SDK service
// ID, "S3"), the operation, and the ARNs of what it acted on, as IAM
// authorizes it: the bucket for a bucket operation (ListObjectsV2 too), the
// object for an object operation, the vector bucket, the knowledge base,
// the role to assume. Resources is empty for a call that acts on no
// resource (sts:GetCallerIdentity).
type Call struct {
	Service, Operation string
	Resources          []string
}

// NewRequestCounter returns an empty counter.
func NewRequestCounter() *RequestCounter {
	return &RequestCounter{counts: map[string]int{}, qualified: map[string]bool{}, resources: map[string]Call{}, onResource: map[string]int{}}
}

// Install adds the counter to an SDK configuration's middleware stack.
func (c *RequestCounter) Install(cfg *aws.Config) {
	cfg.APIOptions = append(cfg.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("kbwardenRequestCounter",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				service, op := awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx)
				c.record(service, op, bucketOf(in.Parameters))
				c.recordResources(Call{Service: service, Operation: op, Resources: resourcesOf(service, awsmiddleware.GetRegion(ctx), in.Parameters)})
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
	})
}

func (c *RequestCounter) record(service, op, bucket string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.qualified[service+"."+op] = true
	c.counts[op]++
	if bucket != "" {
		c.counts[op+" "+bucket]++
	}
}

func (c *RequestCounter) recordResources(call Call) {
	key := call.Service + "." + call.Operation + " " + strings.Join(call.Resources, " ")
	c.mu.Lock()
	defer c.mu.Unlock()
	c.resources[key] = call
	for _, arn := range call.Resources {
		c.onResource[call.Operation+" "+arn]++
	}
}

// CountOn returns the calls of an operation on the resource with this ARN.
func (c *RequestCounter) CountOn(op, arn string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.onResource[op+" "+arn]
}

// Calls lists every distinct call made (operation and resources), sorted.
func (c *RequestCounter) Calls() []Call {
	c.mu.Lock()
	defer c.mu.Unlock()
	keys := make([]string, 0, len(c.resources))
	for k := range c.resources {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]Call, 0, len(keys))
	for _, k := range keys {
		out = append(out, c.resources[k])
	}
	return out
}

// Count returns the calls of an operation, on bucket if not empty.
func (c *RequestCounter) Count(op, bucket string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if bucket != "" {
		op += " " + bucket
	}
	return c.counts[op]
}

// ForBucket returns the calls made on bucket, by operation.
func (c *RequestCounter) ForBucket(bucket string) map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, n := range c.counts {
		if op, b, ok := cut(k); ok && b == bucket {
			out[op] = n
		}
	}
	return out
}

// Operations lists the operations counted, sorted.
func (c *RequestCounter) Operations() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ops []string
	for k := range c.counts {
		if _, _, ok := cut(k); !ok {
			ops = append(ops, k)
		}
	}
	sort.Strings(ops)
	return ops
}

// ServiceOperations lists every "ServiceID.Operation" called, sorted.
func (c *RequestCounter) ServiceOperations() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for k := range c.qualified {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Reset zeroes every count.
func (c *RequestCounter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts = map[string]int{}
	c.onResource = map[string]int{}
}

func cut(k string) (op, bucket string, ok bool) { return strings.Cut(k, " ") }

// bucketOf reads the Bucket or VectorBucketName field of an SDK input.
func bucketOf(params any) string {
	v := reflect.ValueOf(params)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return ""
	}
	for _, name := range []string{"Bucket", "VectorBucketName"} {
		if f := v.FieldByName(name); f.IsValid() && f.Kind() == reflect.Pointer && !f.IsNil() && f.Elem().Kind() == reflect.String {
			return f.Elem().String()
		}
	}
	return ""
}

// resourcesOf derives the ARNs an SDK input acts on, in moto's account
// (AccountID), from the fields kbwarden's calls set: Bucket and Key (S3),
// VectorBucketName or VectorBucketArn and IndexName (S3 Vectors),
// KnowledgeBaseId (Bedrock), RoleArn (STS).
func resourcesOf(service, region string, params any) []string {
	v := reflect.ValueOf(params)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	field := func(name string) string {
		if f := v.FieldByName(name); f.IsValid() && f.Kind() == reflect.Pointer && !f.IsNil() && f.Elem().Kind() == reflect.String {
			return f.Elem().String()
		}
		return ""
	}
	partition := arn.Partition(region)
	switch service {
	case "S3":
		bucket := field("Bucket")
		if bucket == "" {
			return nil
		}
		if v.FieldByName("Key").IsValid() { // an object operation
			return []string{"arn:" + partition + ":s3:::" + bucket + "/" + field("Key")}
		}
		return []string{"arn:" + partition + ":s3:::" + bucket}
	case "S3Vectors":
		arn := field("VectorBucketArn")
		if name := field("VectorBucketName"); name != "" {
			arn = "arn:" + partition + ":s3vectors:" + region + ":" + AccountID + ":bucket/" + name
		}
		if arn == "" {
			return nil
		}
		if index := field("IndexName"); index != "" {
			arn += "/index/" + index
		}
		return []string{arn}
	case "Bedrock Agent":
		if id := field("KnowledgeBaseId"); id != "" {
			return []string{bucketpolicy.KnowledgeBaseARN(partition, region, AccountID, id)}
		}
	case "STS":
		if role := field("RoleArn"); role != "" {
			return []string{role}
		}
	}
	return nil
}
