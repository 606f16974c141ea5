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
}

// NewRequestCounter returns an empty counter.
func NewRequestCounter() *RequestCounter {
	return &RequestCounter{counts: map[string]int{}, qualified: map[string]bool{}}
}

// Install adds the counter to an SDK configuration's middleware stack.
func (c *RequestCounter) Install(cfg *aws.Config) {
	cfg.APIOptions = append(cfg.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("kbwardenRequestCounter",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				c.record(awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx), bucketOf(in.Parameters))
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
