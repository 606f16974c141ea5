package aclsync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/kbwarden/kbwarden/internal/acl"
)

// maxGlobalFileBytes bounds the read of an existing object at the global
// file's key. The largest spec (500 rules of 200 entries) compiles to about
// 8 MB; anything larger is not a global ACL file kbwarden wrote.
const maxGlobalFileBytes = 16 << 20

// sidecarReadLimit bounds the read of an existing sidecar: the services
// skip sidecars over their limit, so a larger one is reported without
// being read (at least 10 KB, so a sidecar written for a larger limit can
// still be shrunk).
func sidecarReadLimit(t *Target) int64 {
	return int64(max(t.SizeLimit, acl.MaxSidecarBytes))
}

// tooLargeError says an object is larger than kbwarden reads for its role.
type tooLargeError struct {
	Size, Limit int64
}

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("it is %d bytes, more than the %d bytes kbwarden reads for it", e.Size, e.Limit)
}

func isTooLarge(err error) bool {
	var t *tooLargeError
	return errors.As(err, &t)
}

// getBounded reads an object and the ETag of what it read, never more than
// limit bytes: the length S3 announces is checked first, and the body is
// read through io.LimitReader in case the object grew since it was listed.
func getBounded(ctx context.Context, api S3API, bucket, key string, limit int64) ([]byte, string, error) {
	out, err := api.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key}, quietChecksums)
	if err != nil {
		return nil, "", err
	}
	defer out.Body.Close()
	if n := aws.ToInt64(out.ContentLength); n > limit {
		return nil, "", &tooLargeError{Size: n, Limit: limit}
	}
	data, err := io.ReadAll(io.LimitReader(out.Body, limit+1))
	if err != nil {
		return nil, "", err
	}
	if int64(len(data)) > limit {
		return nil, "", &tooLargeError{Size: int64(len(data)), Limit: limit}
	}
	return data, compactETag(aws.ToString(out.ETag)), nil
}

// put writes an ACL file conditionally: If-Match the ETag read, or
// If-None-Match: * when there was none. It returns the ETag S3 gave the
// written object, the only ETag kbwarden ever records as its own.
func (p *pass) put(ctx context.Context, bucket, key string, body []byte, ifMatch string) (string, error) {
	in := &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(body), ContentType: aws.String("application/json")}
	if ifMatch != "" {
		in.IfMatch = aws.String(expandETag(ifMatch))
	} else {
		in.IfNoneMatch = aws.String("*")
	}
	out, err := p.api.PutObject(ctx, in)
	if err != nil {
		return "", err
	}
	p.wroteAt(out.ResultMetadata)
	return compactETag(aws.ToString(out.ETag)), nil
}

// remove deletes an ACL file if its ETag is still ifMatch.
func (p *pass) remove(ctx context.Context, bucket, key, ifMatch string) error {
	out, err := p.api.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: &key, IfMatch: aws.String(expandETag(ifMatch))})
	if err != nil {
		return err
	}
	p.wroteAt(out.ResultMetadata)
	return nil
}

// wroteAt keeps the latest time S3 says an ACL write took effect.
func (p *pass) wroteAt(meta middleware.Metadata) {
	at, ok := serverTime(meta)
	if !ok {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if at.After(p.res.LastWriteAt) {
		p.res.LastWriteAt = at
	}
}

// serverTime is the Date header of the response: the SDK parses it into the
// metadata (GetServerTime); the raw HTTP response is the fallback.
func serverTime(meta middleware.Metadata) (time.Time, bool) {
	if at, ok := awsmiddleware.GetServerTime(meta); ok && !at.IsZero() {
		return at.UTC(), true
	}
	if r, ok := awsmiddleware.GetRawResponse(meta).(*smithyhttp.Response); ok {
		if at, err := http.ParseTime(r.Header.Get("Date")); err == nil {
			return at.UTC(), true
		}
	}
	return time.Time{}, false
}
