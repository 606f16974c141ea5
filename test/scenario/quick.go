package scenario

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kbwarden/kbwarden/internal/testenv"
	"github.com/kbwarden/kbwarden/test/quickemu"
)

// The names of config/samples/quick: an Amazon Quick knowledge base over
// the same documents bucket as the Bedrock sample.
const (
	QuickKnowledgeBaseID = "acme-corp-docs-quick"
	QuickSampleName      = "acme-docs-quick"
	QuickMetadataPrefix  = "quick-acl/"
	// QuickSampleDir is the sample's kustomization, relative to the repo.
	QuickSampleDir = "config/samples/quick"
)

// HRDocuments are the documents under hr/ that Seed writes: the ones the
// revocation of Contractors affects.
func HRDocuments() []string {
	var out []string
	for i := 1; i <= 10; i++ {
		out = append(out, fmt.Sprintf("hr/confidential/review-%02d.md", i))
	}
	return out
}

// QuickEmulator returns the Quick emulator serving the sample's knowledge
// base over moto (ACLs on, sidecars under quick-acl/), on a JumpClock so
// the caller can skip the wait for the next scheduled refresh while the
// manager talks to it in real time. Accounts are enabled for hourly
// refresh; an ingestion is QUEUED for a second and RUNNING for two.
func QuickEmulator(env *testenv.Env, logf func(string, ...any)) (*quickemu.Server, *quickemu.JumpClock, error) {
	clk := &quickemu.JumpClock{}
	awsCfg := env.AWS.Copy()
	srv, err := quickemu.New(quickemu.Config{Region: "us-east-1", S3Endpoint: env.Moto.Endpoint, AWS: &awsCfg, Clock: clk,
		QueuedFor: time.Second, RunningFor: 2 * time.Second, HourlyRefresh: true, Logf: logf})
	if err != nil {
		return nil, nil, err
	}
	if err := srv.AddKnowledgeBase(quickemu.KnowledgeBase{AccountID: Account, ID: QuickKnowledgeBaseID, Name: QuickSampleName,
		Bucket: DocsBucket, AccessControl: quickemu.ACLPerDocument, MetadataPrefix: QuickMetadataPrefix}); err != nil {
		return nil, nil, err
	}
	return srv, clk, nil
}

// QuickEnv is the environment variable that points the manager and the
// AWS CLI at the Quick emulator.
func QuickEnv(url string) string { return "AWS_ENDPOINT_URL_QUICKSIGHT=" + url }

// quickHRRule is the sample's hr/ rule, and revokedHRRule the same rule
// once Contractors lose hr/.
const (
	quickHRRule = `    - prefix: hr/
      allow:
      - group: HR
      - group: Contractors
`
	revokedHRRule = `    - prefix: hr/
      allow:
      - group: HR
      deny:
      - group: Contractors
`
)

// QuickRevocation is config/samples/quick/knowledgebase.yaml with
// Contractors denied hr/: what a user commits and kubectl applies.
func QuickRevocation() ([]byte, error) {
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), QuickSampleDir, "knowledgebase.yaml"))
	if err != nil {
		return nil, err
	}
	s := string(data)
	if !strings.Contains(s, quickHRRule) {
		return nil, fmt.Errorf("%s no longer has the hr/ rule this scenario revokes", QuickSampleDir)
	}
	return []byte(strings.Replace(s, quickHRRule, revokedHRRule, 1)), nil
}
