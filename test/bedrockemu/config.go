package bedrockemu

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// StorageType says what kind of vector store a knowledge base writes to.
type StorageType string

const (
	// StorageS3 is a general purpose S3 bucket, as in the runbook: the
	// emulator writes one object per indexed document and checks the bucket
	// policy for s3:PutObject. The real API has no such storage type; the
	// emulator reports it as storageConfiguration.type "S3" and names the
	// bucket in supplementalDataStorageConfiguration so clients can see it.
	StorageS3 StorageType = "S3"
	// StorageS3Vectors is an Amazon S3 Vectors vector bucket and index: the
	// emulator puts one vector per indexed document and checks the vector
	// bucket policy for s3vectors:PutVectors on the index ARN.
	StorageS3Vectors StorageType = "S3Vectors"
)

// Config seeds and tunes a Server. The zero value of every tuning field
// picks the documented default, so Config{KnowledgeBases: ...} is usable.
type Config struct {
	// Region and AccountID build ARNs and the policy request context
	// (aws:SourceAccount, aws:SourceArn). Defaults: us-east-1 and
	// 123456789012, moto's default account.
	Region    string
	AccountID string

	// S3Endpoint is where the documents and vector buckets live (moto),
	// addressed path-style. It overrides AWS's BaseEndpoint when both are set.
	S3Endpoint string
	// AWS, when set, is the SDK configuration used to reach S3 and S3
	// Vectors. When nil, one is loaded with config.LoadDefaultConfig and
	// static test credentials, which keeps the SDK's own HTTP client and thus
	// AWS_CA_BUNDLE handling.
	AWS *aws.Config

	// KnowledgeBases are the knowledge bases and data sources that exist.
	KnowledgeBases []KnowledgeBase

	// StartingFor, RunningFor and StoppingFor are how long a job stays
	// STARTING, IN_PROGRESS and STOPPING. Zero means instant, which is what
	// most tests want; the standalone main uses demo-friendly defaults.
	StartingFor time.Duration
	RunningFor  time.Duration
	StoppingFor time.Duration

	// StartInterval is the StartIngestionJob quota: one call per interval
	// per account, refilled as a token bucket holding StartBurst tokens.
	// Defaults: 10s and 1, the real service's quota. A negative interval
	// disables throttling.
	StartInterval time.Duration
	StartBurst    int

	// MaxConcurrentJobs is the per-account limit of running jobs (default 5,
	// as the real quota); beyond it StartIngestionJob fails with
	// ServiceQuotaExceededException.
	MaxConcurrentJobs int

	// IdempotencyWindow is how long a clientToken is remembered (default 8h).
	IdempotencyWindow time.Duration

	// Clock drives job progress, throttling and timestamps. Default: the
	// system clock. Tests use a ManualClock.
	Clock Clock

	// Logf, when set, receives one line per request and per job outcome.
	Logf func(format string, args ...any)
}

// KnowledgeBase seeds one knowledge base.
type KnowledgeBase struct {
	// ID is the knowledge base ID, 10 characters of [0-9A-Za-z].
	ID string `json:"id"`
	// Name is its display name (default: "kb-" + ID).
	Name string `json:"name,omitempty"`
	// Description is optional free text.
	Description string `json:"description,omitempty"`
	// VectorStore is where ingestion writes embeddings.
	VectorStore VectorStore `json:"vectorStore"`
	// DataSources are the knowledge base's S3 data sources.
	DataSources []DataSource `json:"dataSources,omitempty"`
}

// VectorStore names the bucket (and, for S3 Vectors, the index) that
// receives embeddings.
type VectorStore struct {
	// Type is S3 or S3Vectors (default S3).
	Type StorageType `json:"type,omitempty"`
	// Bucket is the general purpose or vector bucket name.
	Bucket string `json:"bucket"`
	// Index is the S3 Vectors index name; required for S3Vectors.
	Index string `json:"index,omitempty"`
}

// DataSource seeds one S3 data source.
type DataSource struct {
	// ID is the data source ID, 10 characters of [0-9A-Za-z].
	ID string `json:"id"`
	// Name is its display name (default: "ds-" + ID).
	Name string `json:"name,omitempty"`
	// Bucket holds the documents.
	Bucket string `json:"bucket"`
	// Prefix is the inclusion prefix; empty means the whole bucket.
	Prefix string `json:"prefix,omitempty"`
	// MetadataPrefix, when set, is a parallel tree holding sidecars
	// (MetadataPrefix + document key + ".metadata.json"); when empty,
	// sidecars sit next to their documents.
	MetadataPrefix string `json:"metadataPrefix,omitempty"`
	// AccessControl turns on document-level ACLs: a document that no ACL
	// entry allows is not indexed (deny by default).
	AccessControl bool `json:"accessControl,omitempty"`
	// GlobalACLFile is the key, in Bucket, of a global ACL file; it is read
	// only when AccessControl is on.
	GlobalACLFile string `json:"globalAclFile,omitempty"`
}

// Seed is the JSON document read by LoadSeed: just the knowledge bases, so
// one file can be shared between the main and tests.
type Seed struct {
	KnowledgeBases []KnowledgeBase `json:"knowledgeBases"`
}

// LoadSeed reads a JSON seed file. Unknown fields are errors so a typo in a
// demo seed is caught instead of silently ignored.
func LoadSeed(path string) ([]KnowledgeBase, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	var s Seed
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("seed %s: %w", path, err)
	}
	return s.KnowledgeBases, nil
}

var idPattern = regexp.MustCompile(`^[0-9a-zA-Z]{10}$`)

// withDefaults returns a copy of c with defaults filled in and the seed
// validated, so the rest of the package never checks for zero values.
func (c Config) withDefaults() (Config, error) {
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	if c.AccountID == "" {
		c.AccountID = "123456789012"
	}
	if c.StartInterval == 0 {
		c.StartInterval = 10 * time.Second
	}
	if c.StartBurst <= 0 {
		c.StartBurst = 1
	}
	if c.MaxConcurrentJobs <= 0 {
		c.MaxConcurrentJobs = 5
	}
	if c.IdempotencyWindow <= 0 {
		c.IdempotencyWindow = 8 * time.Hour
	}
	if c.Clock == nil {
		c.Clock = SystemClock{}
	}
	if c.StartingFor < 0 || c.RunningFor < 0 || c.StoppingFor < 0 {
		return c, errors.New("job durations must not be negative")
	}
	kbs := make([]KnowledgeBase, len(c.KnowledgeBases))
	seen := map[string]bool{}
	for i, kb := range c.KnowledgeBases {
		if !idPattern.MatchString(kb.ID) {
			return c, fmt.Errorf("knowledge base id %q must be 10 characters of [0-9A-Za-z]", kb.ID)
		}
		if seen[kb.ID] {
			return c, fmt.Errorf("knowledge base id %q is seeded twice", kb.ID)
		}
		seen[kb.ID] = true
		if kb.Name == "" {
			kb.Name = "kb-" + kb.ID
		}
		if kb.VectorStore.Type == "" {
			kb.VectorStore.Type = StorageS3
		}
		switch {
		case kb.VectorStore.Type != StorageS3 && kb.VectorStore.Type != StorageS3Vectors:
			return c, fmt.Errorf("knowledge base %s: vector store type %q is neither S3 nor S3Vectors", kb.ID, kb.VectorStore.Type)
		case kb.VectorStore.Bucket == "":
			return c, fmt.Errorf("knowledge base %s: vector store bucket is required", kb.ID)
		case kb.VectorStore.Type == StorageS3Vectors && kb.VectorStore.Index == "":
			return c, fmt.Errorf("knowledge base %s: an S3Vectors store needs an index", kb.ID)
		}
		dss := make([]DataSource, len(kb.DataSources))
		for j, ds := range kb.DataSources {
			if !idPattern.MatchString(ds.ID) {
				return c, fmt.Errorf("knowledge base %s: data source id %q must be 10 characters of [0-9A-Za-z]", kb.ID, ds.ID)
			}
			if seen[kb.ID+"/"+ds.ID] {
				return c, fmt.Errorf("knowledge base %s: data source %s is seeded twice", kb.ID, ds.ID)
			}
			seen[kb.ID+"/"+ds.ID] = true
			if ds.Bucket == "" {
				return c, fmt.Errorf("knowledge base %s: data source %s needs a bucket", kb.ID, ds.ID)
			}
			if ds.Name == "" {
				ds.Name = "ds-" + ds.ID
			}
			dss[j] = ds
		}
		kb.DataSources = dss
		kbs[i] = kb
	}
	c.KnowledgeBases = kbs
	return c, nil
}
