package controllers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3vectors"
	"github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/acl"
)

// putObject writes an object as a person with the AWS CLI would.
func putObject(t *testing.T, bucket, key, body string) {
	t.Helper()
	if _, err := admin.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader([]byte(body))}); err != nil {
		t.Fatalf("putting %s/%s: %v", bucket, key, err)
	}
}

// putObjects writes many objects, eight at a time, as a sync of a folder
// with the AWS CLI would.
func putObjects(t *testing.T, bucket string, objects map[string]string) {
	t.Helper()
	err := eightAtATime(slices.Collect(maps.Keys(objects)), func(key string) error {
		_, err := admin.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: strings.NewReader(objects[key])})
		return err
	})
	if err != nil {
		t.Fatalf("putting objects into %s: %v", bucket, err)
	}
}

// getObjects reads many objects, eight at a time. A key that does not
// exist is absent from the result.
func getObjects(g gomega.Gomega, bucket string, keys []string) map[string]string {
	var mu sync.Mutex
	found := make(map[string]string, len(keys))
	err := eightAtATime(keys, func(key string) error {
		out, err := admin.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &bucket, Key: &key})
		if err != nil {
			return nil // absent
		}
		defer out.Body.Close()
		data, err := io.ReadAll(out.Body)
		if err != nil {
			return fmt.Errorf("reading %s/%s: %w", bucket, key, err)
		}
		mu.Lock()
		defer mu.Unlock()
		found[key] = string(data)
		return nil
	})
	g.Expect(err).NotTo(gomega.HaveOccurred())
	return found
}

// eightAtATime calls do for every key, eight calls at a time, and returns
// the errors they returned.
func eightAtATime(keys []string, do func(key string) error) error {
	var wg sync.WaitGroup
	errs := make([]error, len(keys))
	limit := make(chan struct{}, 8)
	for i, key := range keys {
		wg.Add(1)
		limit <- struct{}{}
		go func() {
			defer func() { <-limit; wg.Done() }()
			errs[i] = do(key)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// getObject reads an object, and false when it does not exist.
func getObject(g gomega.Gomega, bucket, key string) (string, bool) {
	out, err := admin.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		return "", false
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	g.Expect(err).NotTo(gomega.HaveOccurred())
	return string(data), true
}

// sidecarACL reads a sidecar's ACL (Quick format) and its other fields.
func sidecarACL(g gomega.Gomega, bucket, key string) (acl.ACL, map[string]any) {
	body, ok := getObject(g, bucket, key)
	g.Expect(ok).To(gomega.BeTrue(), "sidecar %s exists", key)
	return parseSidecar(g, key, body)
}

// parseSidecar is a sidecar's ACL (Quick format) and its other fields.
func parseSidecar(g gomega.Gomega, key, body string) (acl.ACL, map[string]any) {
	got, err := acl.ParseSidecarACL([]byte(body), kbv1.ACLFormatQuick)
	g.Expect(err).NotTo(gomega.HaveOccurred(), key)
	var fields map[string]any
	g.Expect(json.Unmarshal([]byte(body), &fields)).To(gomega.Succeed())
	delete(fields, acl.QuickACLField)
	return got, fields
}

// aclKnowledgeBase is a KnowledgeBase with ACLs over documents in bucket
// under docs/, with its own vector bucket (created here), checked every second.
func aclKnowledgeBase(t *testing.T, name, bucket string, ac *kbv1.AccessControlSpec) *kbv1.KnowledgeBase {
	t.Helper()
	createBucket(t, bucket+"-vectors", "")
	kb := newKnowledgeBase(name)
	kb.Spec.Region, kb.Spec.AccountID = "us-east-1", "123456789012"
	kb.Spec.VectorBucket = kbv1.VectorBucketSpec{Name: bucket + "-vectors"}
	kb.Spec.Documents = kbv1.DocumentsSpec{Bucket: bucket, Prefix: "docs/"}
	kb.Spec.AccessControl = ac
	kb.Spec.Interval = metav1.Duration{Duration: time.Second}
	return kb
}

func group(name string) kbv1.ACLEntry { return kbv1.ACLEntry{Group: name} }
func user(name string) kbv1.ACLEntry  { return kbv1.ACLEntry{User: name} }

func allowGroup(name string) acl.Entry {
	return acl.Entry{Name: name, Type: acl.Group, Access: acl.Allow}
}

// aclInSync waits for AccessControlInSync True at the current generation
// and returns the object.
func aclInSync(g gomega.Gomega, kb *kbv1.KnowledgeBase) *kbv1.KnowledgeBase {
	return conditionTrue(g, kb, kbv1.AccessControlInSyncCondition)
}

// ready waits for Ready True at the current generation and returns the
// object.
func ready(g gomega.Gomega, kb *kbv1.KnowledgeBase) *kbv1.KnowledgeBase {
	return conditionTrue(g, kb, kbv1.ReadyCondition)
}

// conditionTrue waits for the condition True at the current generation
// and returns the object.
func conditionTrue(g gomega.Gomega, kb *kbv1.KnowledgeBase, conditionType string) *kbv1.KnowledgeBase {
	var got *kbv1.KnowledgeBase
	eventually(g, func(g gomega.Gomega) {
		got = get(g, kb)
		c := condition(got, conditionType)
		g.Expect(c).NotTo(gomega.BeNil())
		g.Expect(c.ObservedGeneration).To(gomega.Equal(got.Generation))
		g.Expect(c.Status).To(gomega.Equal(metav1.ConditionTrue), c.Message)
	}).Should(gomega.Succeed())
	return got
}

// quiet waits until a pass no longer changes anything on bucket (two
// passes at the 1s interval), then returns the calls made during window.
func quiet(t *testing.T, bucket string, window time.Duration) map[string]int {
	t.Helper()
	return quietThen(t, bucket, window, func() {})
}

// quietThen is quiet, calling atStart when the window opens, so a test can
// take a snapshot of what the window's passes must leave alone.
func quietThen(t *testing.T, bucket string, window time.Duration, atStart func()) map[string]int {
	t.Helper()
	time.Sleep(2500 * time.Millisecond)
	atStart()
	before := calls.ForBucket(bucket)
	time.Sleep(window)
	// On a loaded machine a pass may come late: the window lasts until at
	// least one pass has listed, so "what a pass costs" is never read off
	// a window without a pass.
	for deadline := time.Now().Add(20 * time.Second); len(delta(bucket, before)) == 0 && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	return delta(bucket, before)
}

// createVectorBucket creates an S3 Vectors vector bucket on moto.
func createVectorBucket(t *testing.T, name string) {
	t.Helper()
	if _, err := adminVectors.CreateVectorBucket(context.Background(), &s3vectors.CreateVectorBucketInput{VectorBucketName: &name}); err != nil {
		t.Fatalf("creating vector bucket %s: %v", name, err)
	}
}
