package quick_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kbwarden/kbwarden/internal/quick"
)

// BenchmarkDescribeKnowledgeBase measures one signed call through the whole
// middleware stack to the emulator on loopback: the cost kbwarden pays per
// poll of an ingestion.
func BenchmarkDescribeKnowledgeBase(b *testing.B) {
	srv, _ := emulator(b, "docs")
	c := client(b, srv)
	in := &quick.DescribeKnowledgeBaseInput{AwsAccountId: aws.String(acct), KnowledgeBaseId: aws.String("kb")}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.DescribeKnowledgeBase(b.Context(), in); err != nil {
			b.Fatal(err)
		}
	}
}
