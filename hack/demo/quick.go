package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/test/quickemu"
	"github.com/kbwarden/kbwarden/test/scenario"
)

// quickAct is the demo's second act: the ACL guide's own product. An
// Amazon Quick knowledge base over the same documents bucket; a kubectl
// apply that denies Contractors on hr/; kbwarden rewrites exactly the hr
// sidecars and says the change waits for the knowledge base's next
// scheduled refresh, since Amazon Quick has no API that starts one; the
// emulator skips that wait (it is an hour on the sample's HOURLY
// schedule), runs the refresh against the real bucket, and shows that a
// contractor can no longer retrieve the HR documents.
func quickAct(ctx context.Context, root string, awsEnv []string, quickURL, ep string, sh func(title, script string)) error {
	kb := "kb/" + scenario.QuickSampleName
	admin := quickURL + quickemu.AdminPrefix + "/accounts/" + scenario.Account + "/knowledge-bases/" + scenario.QuickKnowledgeBaseID
	retrievable := func(group string) {
		sh("what a member of "+group+" can retrieve from Quick now (the emulator's answer)",
			"curl -s '"+admin+"/retrievable?group="+group+"' | jq -c '.Keys | {count: length, hr: map(select(startswith(\"hr/\"))) | length}'")
	}
	get := func() (*kbv1.KnowledgeBase, error) { return getKB(ctx, root, awsEnv, kb) }

	step("Act 2: an Amazon Quick knowledge base (%s) over the same bucket, %s; Contractors help HR this quarter", scenario.QuickKnowledgeBaseID, scenario.DocsBucket)
	sh("kubectl apply -k "+scenario.QuickSampleDir, "kubectl apply -k "+scenario.QuickSampleDir)
	sh("kubectl wait --for=condition=AccessControlInSync "+kb, "kubectl wait --for=condition=AccessControlInSync "+kb+" --timeout=90s")
	if _, err := waitKB(ctx, get, 60*time.Second, "the refresh schedule to be created", func(o *kbv1.KnowledgeBase) bool {
		return o.Status.Ingestion != nil && o.Status.Ingestion.Schedule != nil && o.Status.Ingestion.Schedule.ID != ""
	}); err != nil {
		return err
	}
	sh("kubectl get kb "+scenario.QuickSampleName+" -o jsonpath='{.status.ingestion.schedule}'", "kubectl get "+kb+" -o jsonpath='{.status.ingestion.schedule}'; echo")
	sh("kubectl get kb "+scenario.QuickSampleName+": IngestionSucceeded", "kubectl get "+kb+` -o jsonpath='{.status.conditions[?(@.type=="IngestionSucceeded")].message}' | fold -s -w 120; echo`)
	step("Amazon Quick cannot be asked to ingest now; the knowledge base's first HOURLY refresh would come within the hour: the emulator skips the wait")
	sh("curl -X POST "+admin+"/skip-to-next-refresh", "curl -s -X POST "+admin+"/skip-to-next-refresh | jq -c .")
	fmt.Println("(from here on the emulator's clock, and the ingestion times it reports, run about an hour ahead of this machine's)")
	if _, err := waitKB(ctx, get, 60*time.Second, "the first refresh to complete", enforced); err != nil {
		return err
	}
	retrievable("Contractors")

	step("Contractors lose hr/: the team commits the rule change and applies it")
	revoked, err := scenario.QuickRevocation()
	if err != nil {
		return err
	}
	file := filepath.Join(os.TempDir(), fmt.Sprintf("kbwarden-demo-quick-%d.yaml", os.Getpid()))
	if err := os.WriteFile(file, revoked, 0o600); err != nil {
		return err
	}
	defer os.Remove(file)
	before, err := get()
	if err != nil {
		return err
	}
	sh("git diff (the rule change)", "diff -u "+filepath.Join(root, scenario.QuickSampleDir, "knowledgebase.yaml")+" "+file+" | tail -n +3")
	applied := time.Now()
	sh("kubectl apply -f knowledgebase.yaml", "kubectl apply -f "+file)
	pending, err := waitKB(ctx, get, 60*time.Second, "the hr sidecars to be rewritten", func(o *kbv1.KnowledgeBase) bool {
		c := apimeta.FindStatusCondition(o.Status.Conditions, kbv1.IngestionSucceededCondition)
		return o.Status.AccessControl != nil && o.Status.AccessControl.ACLHash != before.Status.AccessControl.ACLHash && c != nil && c.Reason == kbv1.IngestionPendingReason
	})
	if err != nil {
		return err
	}
	written := time.Now()
	fmt.Printf("\n%d ACL files rewritten (status.accessControl.written), %s after the apply:\n", pending.Status.AccessControl.Written, written.Sub(applied).Round(time.Millisecond))
	sh("aws s3 ls --recursive s3://"+scenario.DocsBucket+"/"+scenario.QuickMetadataPrefix+" (newest first)",
		"aws "+ep+" s3 ls --recursive s3://"+scenario.DocsBucket+"/"+scenario.QuickMetadataPrefix+" | sort -k1,2 -r | head -12")
	sh("aws s3 cp s3://"+scenario.DocsBucket+"/"+scenario.QuickMetadataPrefix+"hr/confidential/review-01.md.metadata.json - | jq -c .",
		"aws "+ep+" s3 cp s3://"+scenario.DocsBucket+"/"+scenario.QuickMetadataPrefix+"hr/confidential/review-01.md.metadata.json - | jq -c .")
	sh("kubectl get kb "+scenario.QuickSampleName+": IngestionSucceeded (what kbwarden says until the next refresh)",
		"kubectl get "+kb+` -o jsonpath='{.status.conditions[?(@.type=="IngestionSucceeded")].message}' | fold -s -w 120; echo`)
	retrievable("Contractors")
	fmt.Println("(the exposure window: the files say no, Quick still serves the index of the last refresh, and kbwarden says so)")

	step("The next HOURLY refresh: the emulator skips the wait for it and ingests the bucket as Quick does")
	out, err := httpPost(ctx, admin+"/skip-to-next-refresh")
	if err != nil {
		return err
	}
	var skip struct{ RefreshAt, Jumped string }
	_ = json.Unmarshal(out, &skip)
	skipped := time.Now()
	done, err := waitKB(ctx, get, 90*time.Second, "the revocation to be enforced", enforced)
	if err != nil {
		return err
	}
	reported := time.Now()
	retrievable("Contractors")
	retrievable("HR")
	sh("kubectl get kb", "kubectl get kb")
	last := done.Status.Ingestion.LastSuccessfulJob
	wait, _ := time.ParseDuration(skip.Jumped)
	fmt.Printf("\n\033[1mTime from kubectl apply to enforcement: %s\033[0m\n"+
		"  %s  kbwarden rewrote the %d hr sidecars and reported the change pending\n"+
		"  %s  waiting for the knowledge base's next HOURLY refresh (skipped here; Amazon Quick has no API to start one)\n"+
		"  %s  refresh %s ran and kbwarden reported it COMPLETED with the new ACL files (aclHash %s)\n",
		(written.Sub(applied) + wait + reported.Sub(skipped)).Round(time.Second),
		written.Sub(applied).Round(time.Millisecond), pending.Status.AccessControl.Written, wait.Round(time.Second),
		reported.Sub(skipped).Round(time.Millisecond), last.ID, short(last.ACLHash))
	return nil
}

// enforced: the last COMPLETED ingestion includes the current ACL files.
func enforced(o *kbv1.KnowledgeBase) bool {
	st := o.Status
	return st.AccessControl != nil && st.Ingestion != nil && st.Ingestion.LastSuccessfulJob != nil &&
		st.Ingestion.LastSuccessfulJob.ACLHash == st.AccessControl.ACLHash
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// getKB reads a KnowledgeBase with kubectl.
func getKB(ctx context.Context, root string, env []string, name string) (*kbv1.KnowledgeBase, error) {
	cmd := exec.CommandContext(ctx, "kubectl", "get", name, "-o", "json")
	cmd.Dir, cmd.Env = root, append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("kubectl get %s: %w: %s", name, err, strings.TrimSpace(stderr.String()))
	}
	o := &kbv1.KnowledgeBase{}
	return o, json.Unmarshal(out, o)
}

// waitKB polls the KnowledgeBase until ok, for at most timeout.
func waitKB(ctx context.Context, get func() (*kbv1.KnowledgeBase, error), timeout time.Duration, what string, ok func(*kbv1.KnowledgeBase) bool) (*kbv1.KnowledgeBase, error) {
	deadline := time.Now().Add(timeout)
	for {
		o, err := get()
		if err == nil && ok(o) {
			return o, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("waited %s for %s (last error: %v)", timeout, what, err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func httpPost(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("POST %s: %s: %s", url, resp.Status, buf.String())
	}
	return buf.Bytes(), nil
}
