package bedrockemu

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConfigValidation(t *testing.T) {
	vs := VectorStore{Bucket: "vec"}
	cases := []struct {
		name string
		kbs  []KnowledgeBase
		want string
	}{
		{"short knowledge base id", []KnowledgeBase{{ID: "KB1", VectorStore: vs}}, `knowledge base id "KB1"`},
		{"duplicate knowledge base", []KnowledgeBase{{ID: kbID, VectorStore: vs}, {ID: kbID, VectorStore: vs}}, "seeded twice"},
		{"no vector bucket", []KnowledgeBase{{ID: kbID}}, "vector store bucket is required"},
		{"unknown store type", []KnowledgeBase{{ID: kbID, VectorStore: VectorStore{Type: "OpenSearch", Bucket: "b"}}}, `"OpenSearch" is neither`},
		{"S3Vectors without index", []KnowledgeBase{{ID: kbID, VectorStore: VectorStore{Type: StorageS3Vectors, Bucket: "b"}}}, "needs an index"},
		{"bad data source id", []KnowledgeBase{{ID: kbID, VectorStore: vs, DataSources: []DataSource{{ID: "ds_1234567", Bucket: "d"}}}}, `data source id "ds_1234567"`},
		{"data source without bucket", []KnowledgeBase{{ID: kbID, VectorStore: vs, DataSources: []DataSource{{ID: dsID}}}}, "needs a bucket"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(Config{KnowledgeBases: c.kbs, S3Endpoint: "http://127.0.0.1:1"})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("New error = %v, want it to contain %q", err, c.want)
			}
		})
	}
	if _, err := New(Config{RunningFor: -time.Second}); err == nil {
		t.Fatal("a negative duration was accepted")
	}
}

func TestLoadSeed(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	typo := filepath.Join(dir, "typo.json")
	os.WriteFile(good, []byte(`{"knowledgeBases": [{"id": "KBTEST0001", "vectorStore": {"bucket": "vec"},
		"dataSources": [{"id": "DSTEST0001", "bucket": "docs", "prefix": "docs/", "accessControl": true, "globalAclFile": "acl.json"}]}]}`), 0o600)
	os.WriteFile(typo, []byte(`{"knowledgeBases": [{"id": "KBTEST0001", "vectorStore": {"bucket": "vec"}, "dataSource": []}]}`), 0o600)

	kbs, err := LoadSeed(good)
	if err != nil {
		t.Fatal(err)
	}
	ds := kbs[0].DataSources[0]
	if ds.Prefix != "docs/" || !ds.AccessControl || ds.GlobalACLFile != "acl.json" {
		t.Fatalf("seed read as %+v", kbs)
	}
	if _, err := LoadSeed(typo); err == nil || !strings.Contains(err.Error(), `unknown field "dataSource"`) {
		t.Fatalf("a typo in the seed gave %v", err)
	}
}
