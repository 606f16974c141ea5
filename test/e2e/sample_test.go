package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/onsi/gomega"

	"github.com/kbwarden/kbwarden/internal/testenv"
	"github.com/kbwarden/kbwarden/test/scenario"
)

// TestSampleAsAUser is the user's story with the sample: apply it with
// kubectl, watch kbwarden repair the runbook's policy, read it with kubectl
// get and describe, trigger a run by annotation, check that Git and the
// controller do not fight, and delete it with each deletionPolicy.
func TestSampleAsAUser(t *testing.T) {
	kb := "kb/" + scenario.SampleName

	t.Run("apply the sample", func(t *testing.T) {
		g := gomega.NewWithT(t)
		// Server-side, as Flux and Argo CD (with ServerSideApply) apply.
		g.Expect(kubectl(t, "apply", "--server-side", "-k", "config/samples/")).To(gomega.ContainSubstring("sidekick-dev serverside-applied"))
		kubectl(t, "wait", "--for=condition=Ready", kb, "--timeout=120s")
	})

	t.Run("the policy is repaired, the other team's statement kept", func(t *testing.T) {
		g := gomega.NewWithT(t)
		policy := aws(t, "s3api", "get-bucket-policy", "--bucket", scenario.VectorBucket, "--query", "Policy", "--output", "text")
		g.Expect(policy).To(gomega.ContainSubstring("s3:PutObject"))
		g.Expect(policy).To(gomega.ContainSubstring(scenario.OthersStatementSid))
	})

	t.Run("kubectl get shows the printer columns", func(t *testing.T) {
		g := gomega.NewWithT(t)
		out := kubectl(t, "get", "kb")
		header := strings.Fields(strings.SplitN(out, "\n", 2)[0])
		g.Expect(header).To(gomega.Equal([]string{"NAME", "READY", "STATUS", "ACL", "LAST", "INGESTION", "AGE"}))
		g.Expect(out).To(gomega.ContainSubstring("PerDocument"))
		g.Expect(kubectl(t, "get", "kb", "-o", "wide")).To(gomega.ContainSubstring(scenario.VectorBucket))
		g.Expect(kubectl(t, "get", "kbwarden")).To(gomega.ContainSubstring(scenario.SampleName), "the category lists it")
	})

	t.Run("kubectl describe tells the story", func(t *testing.T) {
		g := gomega.NewWithT(t)
		eventually(g, func(g gomega.Gomega) {
			out := kubectl(t, "describe", kb)
			g.Expect(out).To(gomega.ContainSubstring("VectorBucketPolicyInSync"))
			g.Expect(out).To(gomega.ContainSubstring("lacks s3:PutObject"))
			g.Expect(out).To(gomega.MatchRegexp(`Normal\s+DriftRepaired`))
			g.Expect(out).To(gomega.ContainSubstring("Policy Backup Config Map:  sidekick-dev-policy-backup"))
		}).Should(gomega.Succeed())
	})

	t.Run("the backup holds the runbook's faulty policy", func(t *testing.T) {
		g := gomega.NewWithT(t)
		backup := kubectl(t, "get", "configmap", "sidekick-dev-policy-backup", "-o", "jsonpath={.data.policy-1}")
		g.Expect(backup).To(gomega.Equal(scenario.FaultyPolicy))
	})

	t.Run("no perpetual diff with Git", func(t *testing.T) {
		g := gomega.NewWithT(t)
		live := specOf(g, kubectl(t, "get", kb, "-o", "json"))
		dryRun := specOf(g, kubectl(t, "apply", "--server-side", "--dry-run=server", "-k", "config/samples/", "-o", "json"))
		g.Expect(dryRun).To(gomega.Equal(live), "a server-side apply of the same manifest changes nothing in spec")
		out, err := kubectlErr("diff", "--server-side", "-k", "config/samples/")
		g.Expect(err).NotTo(gomega.HaveOccurred(), "kubectl diff finds no difference:\n%s", out)
	})

	t.Run("the manual trigger is handled and echoed", func(t *testing.T) {
		g := gomega.NewWithT(t)
		kubectl(t, "annotate", "--overwrite", kb, "kbwarden.io/requested-at=e2e-1")
		eventually(g, func() string {
			return kubectl(t, "get", kb, "-o", "jsonpath={.status.lastHandledRequestedAt}")
		}).Should(gomega.Equal("e2e-1"))
	})

	t.Run("editing an ACL rule rewrites the affected sidecars and starts one job", func(t *testing.T) {
		g := gomega.NewWithT(t)
		sidecar := func(key string) string {
			return aws(t, "s3", "cp", "s3://"+scenario.DocsBucket+"/"+key+".metadata.json", "-")
		}
		g.Expect(sidecar("legal/contract-02.md")).NotTo(gomega.ContainSubstring("counsel@acme-corp.example"))
		salesBefore := sidecar("sales/playbook-01.md")
		jobsBefore := jobCount(t)

		sample, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "samples", "knowledge_v1alpha1_knowledgebase.yaml"))
		g.Expect(err).NotTo(gomega.HaveOccurred())
		edited := strings.Replace(string(sample), "      - group: Legal\n", "      - group: Legal\n      - user: Counsel@Acme-Corp.example\n", 1)
		g.Expect(edited).NotTo(gomega.Equal(string(sample)))
		file := filepath.Join(t.TempDir(), "kb.yaml")
		g.Expect(os.WriteFile(file, []byte(edited), 0o600)).To(gomega.Succeed())
		kubectl(t, "apply", "--server-side", "-f", file)

		eventually(g, func(g gomega.Gomega) {
			g.Expect(sidecar("legal/contract-02.md")).To(gomega.ContainSubstring("counsel@acme-corp.example"), "written lower-cased")
			g.Expect(kubectl(t, "get", kb, "-o", "jsonpath={.status.ingestion.lastJob.trigger}/{.status.ingestion.lastJob.status}")).
				To(gomega.Equal("Changed/COMPLETE"))
		}).Should(gomega.Succeed())
		g.Expect(jobCount(t)).To(gomega.Equal(jobsBefore+1), "exactly one job for the change")
		g.Expect(sidecar("sales/playbook-01.md")).To(gomega.Equal(salesBefore), "other sidecars are not rewritten")
		g.Expect(sidecar("legal/contract-01.md")).To(gomega.ContainSubstring("Master services agreement"), "an editor's Title is kept")
		kubectl(t, "wait", "--for=condition=Ready", kb, "--timeout=60s")
	})

	t.Run("delete with Retain leaves AWS untouched", func(t *testing.T) {
		g := gomega.NewWithT(t)
		before := aws(t, "s3api", "get-bucket-policy", "--bucket", scenario.VectorBucket, "--query", "Policy", "--output", "text")
		kubectl(t, "delete", kb, "--timeout=60s")
		after := aws(t, "s3api", "get-bucket-policy", "--bucket", scenario.VectorBucket, "--query", "Policy", "--output", "text")
		g.Expect(after).To(gomega.Equal(before))
	})

	t.Run("delete with Delete removes exactly kbwarden's statement", func(t *testing.T) {
		g := gomega.NewWithT(t)
		kubectl(t, "apply", "-k", "config/samples/")
		kubectl(t, "patch", kb, "--type=merge", "-p", `{"spec":{"deletionPolicy":"Delete"}}`)
		kubectl(t, "wait", "--for=condition=VectorBucketPolicyInSync", kb, "--timeout=60s")
		sidecar := "s3://" + scenario.DocsBucket + "/sales/playbook-01.md.metadata.json"
		g.Expect(aws(t, "s3", "ls", sidecar)).To(gomega.ContainSubstring("metadata.json"))
		kubectl(t, "delete", kb, "--timeout=60s")
		policy := aws(t, "s3api", "get-bucket-policy", "--bucket", scenario.VectorBucket, "--query", "Policy", "--output", "text")
		g.Expect(policy).NotTo(gomega.ContainSubstring("BedrockKnowledgeBaseAccess"))
		g.Expect(policy).To(gomega.ContainSubstring(scenario.OthersStatementSid), "the other team's statement stays")
		_, err := command("aws", "--endpoint-url", suite.env.Moto.Endpoint, "s3", "ls", sidecar)
		g.Expect(err).To(gomega.HaveOccurred(), "the sidecars kbwarden created are removed")
		g.Expect(aws(t, "s3", "ls", "s3://"+scenario.DocsBucket+"/legal/contract-01.md.metadata.json")).
			To(gomega.ContainSubstring("metadata.json"), "a sidecar an editor wrote stays")
		g.Expect(aws(t, "s3", "ls", "s3://"+scenario.DocsBucket+"/sales/playbook-01.md")).
			To(gomega.ContainSubstring("playbook-01.md"), "documents are never deleted")
	})
}

// specOf returns the spec of a KnowledgeBase printed as JSON by kubectl.
// specOf is the spec of the KnowledgeBase in kubectl's JSON output: the
// object itself, or the KnowledgeBase item of a List (the samples hold
// its AccountBinding too).
func specOf(g gomega.Gomega, out string) map[string]any {
	type object struct {
		Kind string         `json:"kind"`
		Spec map[string]any `json:"spec"`
	}
	var obj struct {
		object
		Items []object `json:"items"`
	}
	g.Expect(json.Unmarshal([]byte(out), &obj)).To(gomega.Succeed(), out)
	for _, item := range obj.Items {
		if item.Kind == "KnowledgeBase" {
			return item.Spec
		}
	}
	return obj.Spec
}

// jobCount is the number of ingestion jobs of the sample's data source, as
// the runbook's own command lists them.
func jobCount(t *testing.T) int {
	t.Helper()
	out, err := command("aws", "--endpoint-url", suite.emulator.URL(), "bedrock-agent", "list-ingestion-jobs",
		"--knowledge-base-id", scenario.KnowledgeBaseID, "--data-source-id", scenario.DataSourceID,
		"--query", "length(ingestionJobSummaries)")
	if err != nil {
		t.Fatalf("listing ingestion jobs: %v\n%s", err, out)
	}
	n, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("listing ingestion jobs: %q", out)
	}
	return n
}
