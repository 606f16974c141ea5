package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onsi/gomega"
	apimeta "k8s.io/apimachinery/pkg/api/meta"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/test/scenario"
)

// TestQuickKnowledgeBaseAsAUser is the ACL guide's story with its own
// product: a team applies config/samples/quick (an Amazon Quick knowledge
// base over acme-corp-docs), later revokes Contractors' access to hr/ with a
// kubectl apply, and reads in kubectl when the revocation is enforced. The
// Quick emulator, applying Quick's rules to the real (moto) bucket, says
// which documents Contractors can retrieve. Amazon Quick has no API that
// starts an ingestion, so the refresh comes from the knowledge base's
// HOURLY schedule, which kbwarden creates; the test skips the emulator's
// clock to it instead of waiting an hour.
func TestQuickKnowledgeBaseAsAUser(t *testing.T) {
	kb := "kb/" + scenario.QuickSampleName
	contractors := func() []string {
		return suite.quick.Retrievable(scenario.Account, scenario.QuickKnowledgeBaseID, "", []string{"Contractors"})
	}
	sidecar := func(doc string) string {
		return aws(t, "s3", "cp", "s3://"+scenario.DocsBucket+"/"+scenario.QuickMetadataPrefix+doc+".metadata.json", "-")
	}

	t.Run("apply the Quick sample", func(t *testing.T) {
		g := gomega.NewWithT(t)
		kubectl(t, "apply", "--server-side", "-f", "config/samples/accountbinding.yaml")
		g.Expect(kubectl(t, "apply", "--server-side", "-k", scenario.QuickSampleDir)).To(gomega.ContainSubstring(scenario.QuickSampleName + " serverside-applied"))
		kubectl(t, "wait", "--for=condition=AccessControlInSync", kb, "--timeout=120s")
		slowly(g, func(g gomega.Gomega) {
			got := quickKB(g)
			g.Expect(got.Status.Ingestion).NotTo(gomega.BeNil())
			g.Expect(got.Status.Ingestion.Schedule).To(gomega.HaveField("Interval", "HOURLY"), "kbwarden created the declared schedule")
			c := apimeta.FindStatusCondition(got.Status.Conditions, kbv1.IngestionSucceededCondition)
			g.Expect(c).NotTo(gomega.BeNil())
			g.Expect(c.Reason).To(gomega.Equal(kbv1.IngestionPendingReason))
			g.Expect(c.Message).To(gomega.ContainSubstring("Amazon Quick has no API to start an ingestion"))
		}).Should(gomega.Succeed())
		g.Expect(sidecar("hr/confidential/review-01.md")).To(gomega.ContainSubstring(`{"Name":"Contractors","Type":"GROUP","Access":"ALLOW"}`))
		g.Expect(contractors()).To(gomega.BeEmpty(), "nothing is ingested before the first refresh")
		out := kubectl(t, "describe", kb)
		g.Expect(out).To(gomega.ContainSubstring("next scheduled refresh (HOURLY: within the hour)"))
	})

	t.Run("the first scheduled refresh enforces the rules", func(t *testing.T) {
		g := gomega.NewWithT(t)
		_, _, err := suite.quick.SkipToNextRefresh(scenario.Account, scenario.QuickKnowledgeBaseID)
		g.Expect(err).NotTo(gomega.HaveOccurred())
		slowly(g, func(g gomega.Gomega) { g.Expect(enforced(quickKB(g))).To(gomega.BeTrue()) }).Should(gomega.Succeed())
		kubectl(t, "wait", "--for=condition=Ready", kb, "--timeout=60s")
		g.Expect(contractors()).To(gomega.Equal(scenario.HRDocuments()))
	})

	t.Run("revoking Contractors is enforced by the next refresh", func(t *testing.T) {
		g := gomega.NewWithT(t)
		before := quickKB(g)
		salesBefore := sidecar("sales/playbook-01.md")
		revoked, err := scenario.QuickRevocation()
		g.Expect(err).NotTo(gomega.HaveOccurred())
		file := filepath.Join(t.TempDir(), "kb.yaml")
		g.Expect(os.WriteFile(file, revoked, 0o600)).To(gomega.Succeed())
		applied := time.Now()
		kubectl(t, "apply", "--server-side", "-f", file)

		var pending *kbv1.KnowledgeBase
		slowly(g, func(g gomega.Gomega) {
			pending = quickKB(g)
			g.Expect(pending.Status.AccessControl.ACLHash).NotTo(gomega.Equal(before.Status.AccessControl.ACLHash))
			c := apimeta.FindStatusCondition(pending.Status.Conditions, kbv1.IngestionSucceededCondition)
			g.Expect(c.Reason).To(gomega.Equal(kbv1.IngestionPendingReason))
			g.Expect(c.Message).To(gomega.ContainSubstring("are not enforced yet"))
		}).Should(gomega.Succeed())
		g.Expect(pending.Status.AccessControl.Written).To(gomega.Equal(int64(len(scenario.HRDocuments()))), "exactly the hr sidecars are rewritten")
		g.Expect(sidecar("hr/confidential/review-01.md")).To(gomega.ContainSubstring(`{"Name":"Contractors","Type":"GROUP","Access":"DENY"}`))
		g.Expect(sidecar("sales/playbook-01.md")).To(gomega.Equal(salesBefore))
		g.Expect(enforced(pending)).To(gomega.BeFalse())
		g.Expect(contractors()).To(gomega.Equal(scenario.HRDocuments()), "until the next refresh, Quick serves the old ACLs: kbwarden says so")
		written := time.Now()

		at, jumped, err := suite.quick.SkipToNextRefresh(scenario.Account, scenario.QuickKnowledgeBaseID)
		g.Expect(err).NotTo(gomega.HaveOccurred())
		var done *kbv1.KnowledgeBase
		slowly(g, func(g gomega.Gomega) {
			done = quickKB(g)
			g.Expect(enforced(done)).To(gomega.BeTrue())
		}).Should(gomega.Succeed())
		reported := time.Now()
		last := done.Status.Ingestion.LastSuccessfulJob
		// The enforcing ingestion is the refresh the skip started, after the
		// write: the emulator ran none in between.
		ingestions := suite.quick.Ingestions(scenario.Account, scenario.QuickKnowledgeBaseID)
		g.Expect(ingestions).To(gomega.HaveLen(2))
		g.Expect(last.ID).To(gomega.Equal(ingestions[1].ID))
		g.Expect(ingestions[1].StartTime).To(gomega.BeTemporally("~", at, time.Second))
		g.Expect(last.StartedAt.Time.After(done.Status.AccessControl.LastSyncTime.Time)).To(gomega.BeTrue())
		for _, doc := range contractors() {
			g.Expect(scenario.HRDocuments()).NotTo(gomega.ContainElement(doc))
		}
		g.Expect(contractors()).To(gomega.BeEmpty(), "Contractors retrieve none of the hr documents")
		g.Expect(slices.Equal(suite.quick.Retrievable(scenario.Account, scenario.QuickKnowledgeBaseID, "", []string{"HR"}), scenario.HRDocuments())).To(gomega.BeTrue())
		kubectl(t, "wait", "--for=condition=Ready", kb, "--timeout=60s")
		t.Logf("apply to sidecars written and reported pending: %s; then the wait for the next HOURLY refresh (%s, skipped) and %s from the skip to kbwarden reporting the revocation enforced (a 3s ingestion and its polls)",
			written.Sub(applied).Round(time.Millisecond), jumped.Round(time.Second), reported.Sub(written).Round(time.Millisecond))
	})

	t.Run("delete with Delete removes the Quick sidecars", func(t *testing.T) {
		g := gomega.NewWithT(t)
		kubectl(t, "patch", kb, "--type=merge", "-p", `{"spec":{"deletionPolicy":"Delete"}}`)
		kubectl(t, "delete", kb, "--timeout=60s")
		out, _ := command("aws", "--endpoint-url", suite.env.Moto.Endpoint, "s3", "ls", "--recursive", "s3://"+scenario.DocsBucket+"/"+scenario.QuickMetadataPrefix)
		g.Expect(strings.TrimSpace(out)).To(gomega.BeEmpty(), "kbwarden removes the sidecars it created")
		g.Expect(aws(t, "s3", "ls", "s3://"+scenario.DocsBucket+"/hr/confidential/review-01.md")).To(gomega.ContainSubstring("review-01.md"), "documents are never deleted")
	})
}

// quickKB reads the Quick sample's KnowledgeBase with kubectl.
func quickKB(g gomega.Gomega) *kbv1.KnowledgeBase {
	out, err := kubectlErr("get", "kb/"+scenario.QuickSampleName, "-o", "json")
	g.Expect(err).NotTo(gomega.HaveOccurred())
	kb := &kbv1.KnowledgeBase{}
	g.Expect(json.Unmarshal([]byte(out), kb)).To(gomega.Succeed())
	return kb
}

// enforced is what a user reads in status to know the ACL files are in
// effect: the last COMPLETED ingestion includes the current ACL hash.
func enforced(kb *kbv1.KnowledgeBase) bool {
	st := kb.Status
	return st.AccessControl != nil && st.Ingestion != nil && st.Ingestion.LastSuccessfulJob != nil &&
		st.Ingestion.LastSuccessfulJob.Status == "COMPLETED" && st.Ingestion.LastSuccessfulJob.ACLHash == st.AccessControl.ACLHash
}

// slowly is eventually at one kubectl call a second: the Quick story waits
// on the manager's polls of Quick (every --ingestion-poll-min, 5s), and a
// kubectl process four times a second would only take CPU from the other
// packages' tests that run beside this one.
func slowly(g gomega.Gomega, f any) gomega.AsyncAssertion {
	return g.Eventually(f).WithTimeout(90 * time.Second).WithPolling(time.Second)
}
