package bedrockemu

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	bt "github.com/aws/aws-sdk-go-v2/service/bedrockagent/types"
	. "github.com/onsi/gomega"
)

type stats struct{ scanned, meta, added, modified, metaModified, deleted, failed int64 }

func statsOf(j *bt.IngestionJob) stats {
	s := j.Statistics
	return stats{s.NumberOfDocumentsScanned, s.NumberOfMetadataDocumentsScanned, s.NumberOfNewDocumentsIndexed,
		s.NumberOfModifiedDocumentsIndexed, s.NumberOfMetadataDocumentsModified, s.NumberOfDocumentsDeleted, s.NumberOfDocumentsFailed}
}

// TestStatistics runs successive jobs over a changing documents bucket and
// checks that statistics and embeddings follow what is really in moto.
func TestStatistics(t *testing.T) {
	e := newEnv(t)
	prefix := "embeddings/" + kbID + "/" + dsID + "/"
	embedding := func(doc string) string { return EmbeddingKey(kbID, dsID, "docs/"+doc) }
	steps := []struct {
		name   string
		change func()
		want   stats
		embeds []string
	}{
		{"first sync", func() {
			e.put(e.docs, "docs/a.txt", "alpha")
			e.put(e.docs, "docs/b.txt", "beta")
			e.put(e.docs, "docs/b.txt.metadata.json", `{"metadataAttributes": {"team": "hr"}}`)
			e.put(e.docs, "docs/sub/c.md", "gamma")
			e.put(e.docs, "docs/sub/", "")            // a folder marker is not a document
			e.put(e.docs, "other/x.txt", "elsewhere") // outside the inclusion prefix
		}, stats{scanned: 3, meta: 1, added: 3}, []string{embedding("a.txt"), embedding("b.txt"), embedding("sub/c.md")}},
		{"nothing changed", func() {}, stats{scanned: 3, meta: 1}, []string{embedding("a.txt"), embedding("b.txt"), embedding("sub/c.md")}},
		{"modify, delete, add, touch metadata", func() {
			e.put(e.docs, "docs/a.txt", "alpha v2")
			e.remove(e.docs, "docs/sub/c.md")
			e.put(e.docs, "docs/d.txt", "delta")
			e.put(e.docs, "docs/b.txt.metadata.json", `{"metadataAttributes": {"team": "legal"}}`)
		}, stats{scanned: 3, meta: 1, added: 1, modified: 1, metaModified: 1, deleted: 1}, []string{embedding("a.txt"), embedding("b.txt"), embedding("d.txt")}},
		{"remove a sidecar", func() { e.remove(e.docs, "docs/b.txt.metadata.json") },
			stats{scanned: 3, metaModified: 1}, []string{embedding("a.txt"), embedding("b.txt"), embedding("d.txt")}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			g := NewWithT(t)
			s.change()
			j := e.sync()
			g.Expect(j.Status).To(Equal(bt.IngestionJobStatusComplete), "reasons: %v", j.FailureReasons)
			g.Expect(statsOf(j)).To(Equal(s.want))
			g.Expect(e.keys(e.vec, prefix)).To(ConsistOf(s.embeds))
		})
	}
}

// TestDenyByDefault: with ACLs on, only documents that some entry allows
// (and no entry denies for the same principal) are indexed.
func TestDenyByDefault(t *testing.T) {
	g := NewWithT(t)
	e := newEnv(t, func(c *Config) {
		c.KnowledgeBases[0].DataSources[0].AccessControl = true
		c.KnowledgeBases[0].DataSources[0].GlobalACLFile = "acl/global.json"
	})
	allowUser := `{"Name": "Alice@Example.com", "Type": "USER", "Access": "ALLOW"}`
	e.put(e.docs, "docs/quick.txt", "q")
	e.put(e.docs, "docs/quick.txt.metadata.json", `{"Title": "Q", "AccessControlList": [`+allowUser+`]}`)
	e.put(e.docs, "docs/bedrock.txt", "b")
	e.put(e.docs, "docs/bedrock.txt.metadata.json", `{"metadataAttributes": {}, "accessControlList": [{"name": "bob@example.com", "type": "USER", "access": "ALLOW"}]}`)
	e.put(e.docs, "docs/no-acl.txt", "n")
	e.put(e.docs, "docs/empty-acl.txt", "n")
	e.put(e.docs, "docs/empty-acl.txt.metadata.json", `{"Title": "no entries", "AccessControlList": []}`)
	e.put(e.docs, "docs/denied.txt", "d")
	e.put(e.docs, "docs/denied.txt.metadata.json", `{"AccessControlList": [`+allowUser+`, {"Name": "alice@example.com", "Type": "USER", "Access": "DENY"}]}`)
	e.put(e.docs, "docs/hr/policy.txt", "hr")
	e.put(e.docs, "docs/broken.txt", "x")
	e.put(e.docs, "docs/broken.txt.metadata.json", `{"AccessControlList": [`)
	e.put(e.docs, "docs/huge.txt", "h")
	e.put(e.docs, "docs/huge.txt.metadata.json", `{"AccessControlList": [`+allowUser+`], "Title": "`+strings.Repeat("x", 11*1024)+`"}`)
	e.put(e.docs, "acl/global.json", `[{"keyPrefix": "s3://`+e.docs+`/docs/hr/", "aclEntries": [{"Name": "HR", "Type": "GROUP", "Access": "ALLOW"}]}]`)

	j := e.sync()
	g.Expect(j.Status).To(Equal(bt.IngestionJobStatusComplete))
	g.Expect(statsOf(j)).To(Equal(stats{scanned: 8, meta: 6, added: 3, failed: 1}))
	g.Expect(j.FailureReasons).To(ConsistOf(And(ContainSubstring("s3://"+e.docs+"/docs/broken.txt"), ContainSubstring("not a JSON object"))))
	g.Expect(e.keys(e.vec, "embeddings/")).To(ConsistOf(
		EmbeddingKey(kbID, dsID, "docs/quick.txt"), EmbeddingKey(kbID, dsID, "docs/bedrock.txt"), EmbeddingKey(kbID, dsID, "docs/hr/policy.txt")))

	// Revoking access removes the document at the next sync.
	e.put(e.docs, "docs/quick.txt.metadata.json", `{"AccessControlList": [{"Name": "Alice@Example.com", "Type": "USER", "Access": "DENY"}]}`)
	j = e.sync()
	g.Expect(statsOf(j)).To(Equal(stats{scanned: 8, meta: 6, deleted: 1, failed: 1}))
	g.Expect(e.keys(e.vec, "embeddings/")).NotTo(ContainElement(EmbeddingKey(kbID, dsID, "docs/quick.txt")))
}

func TestIngestionFailures(t *testing.T) {
	cases := []struct {
		name   string
		tune   func(*Config)
		reason string
	}{
		{"documents bucket missing", func(c *Config) { c.KnowledgeBases[0].DataSources[0].Bucket = "no-such-bucket" }, "Unable to list documents in s3://no-such-bucket/docs/"},
		{"vector bucket missing", func(c *Config) { c.KnowledgeBases[0].VectorStore.Bucket = "no-such-vectors" }, "unable to read the policy of vector bucket no-such-vectors"},
		{"global ACL file invalid", func(c *Config) {
			c.KnowledgeBases[0].DataSources[0].AccessControl = true
			c.KnowledgeBases[0].DataSources[0].GlobalACLFile = "docs/acl.json"
		}, "Invalid global ACL file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			e := newEnv(t, c.tune)
			e.put(e.docs, "docs/a.txt", "alpha")
			e.put(e.docs, "docs/acl.json", `{"not": "an array"}`)
			j := e.sync()
			g.Expect(j.Status).To(Equal(bt.IngestionJobStatusFailed))
			g.Expect(j.FailureReasons).To(ConsistOf(ContainSubstring(c.reason)))
		})
	}
}

// TestMetadataPrefix: sidecars in a parallel tree count as metadata, not
// as documents.
func TestMetadataPrefix(t *testing.T) {
	g := NewWithT(t)
	e := newEnv(t, func(c *Config) {
		ds := &c.KnowledgeBases[0].DataSources[0]
		ds.AccessControl, ds.MetadataPrefix = true, "docs/_meta/"
	})
	e.put(e.docs, "docs/a.txt", "alpha")
	e.put(e.docs, "docs/b.txt", "beta")
	e.put(e.docs, "docs/_meta/docs/a.txt.metadata.json", `{"AccessControlList": [{"Name": "HR", "Type": "GROUP", "Access": "ALLOW"}]}`)
	j := e.sync()
	g.Expect(statsOf(j)).To(Equal(stats{scanned: 2, meta: 1, added: 1}))
	g.Expect(e.keys(e.vec, "embeddings/")).To(Equal([]string{EmbeddingKey(kbID, dsID, "docs/a.txt")}))
	g.Expect(aws.ToString(j.IngestionJobId)).NotTo(BeEmpty())
}
