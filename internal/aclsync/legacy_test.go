package aclsync

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	. "github.com/onsi/gomega"
)

// TestLegacyCreatedEntriesAreCheckedBeforeDeletion: a version-1 manifest
// may say "created" at an ETag kbwarden only read (the bug of item 3). Such
// an entry is trusted for deletion only when the file holds nothing but
// kbwarden's field; an edited one is stripped instead.
func TestLegacyCreatedEntriesAreCheckedBeforeDeletion(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	bucket := newBucket(t)
	put(t, bucket, "docs/a.txt", "text")
	put(t, bucket, "docs/b.txt", "text")
	target := perDocument(t, bucket)
	_, err := (&Syncer{}).Sync(ctx, counted, target)
	g.Expect(err).NotTo(HaveOccurred())
	put(t, bucket, "docs/a.txt.metadata.json", `{"AccessControlList":[{"Name":"Everyone","Type":"GROUP","Access":"ALLOW"}],"Title":"Mine"}`)

	// The manifest version 1 would have written after reading the edit.
	v1 := map[string]any{"version": 1, "shards": 1, "shard": 0, "entries": map[string]any{}}
	for _, k := range []string{"docs/a.txt.metadata.json", "docs/b.txt.metadata.json"} {
		out, err := raw.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String(k)})
		g.Expect(err).NotTo(HaveOccurred())
		v1["entries"].(map[string]any)[k] = map[string]any{"e": aws.ToString(out.ETag), "a": "x", "c": true}
	}
	data, _ := json.Marshal(v1)
	put(t, bucket, ".kbwarden/"+target.Owner+"/manifest-1-0.json", string(data))

	removed, left, err := (&Syncer{}).Cleanup(ctx, counted, target)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(removed).To(Equal(2))
	g.Expect(left).To(BeEmpty())
	body, ok := read(t, bucket, "docs/a.txt.metadata.json")
	g.Expect(ok).To(BeTrue(), "edited: stripped, not deleted")
	g.Expect(body).To(Equal(`{"Title":"Mine"}`))
	_, ok = read(t, bucket, "docs/b.txt.metadata.json")
	g.Expect(ok).To(BeFalse(), "wholly kbwarden's: deleted")
}
