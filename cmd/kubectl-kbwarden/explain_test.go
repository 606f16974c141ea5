package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
)

// newKB is the KnowledgeBase the tests explain: documents under docs/ in
// acme-corp-docs, one sidecar per document, and rules that exercise allow,
// deny wins, deny by default and overlapping prefixes.
func newKB(mutate ...func(*kbv1.KnowledgeBase)) *kbv1.KnowledgeBase {
	kb := &kbv1.KnowledgeBase{
		ObjectMeta: metav1.ObjectMeta{Namespace: "kb", Name: "sidekick-dev", Generation: 2},
		Spec: kbv1.KnowledgeBaseSpec{
			Bedrock:      &kbv1.BedrockSpec{KnowledgeBaseID: "KB12345678", DataSourceID: "DS12345678"},
			VectorBucket: kbv1.VectorBucketSpec{Name: "sidekick-kb-vectors-dev-275666109134"},
			Documents:    kbv1.DocumentsSpec{Bucket: "acme-corp-docs", Prefix: "docs/"},
			AccessControl: &kbv1.AccessControlSpec{
				Mode:   kbv1.AccessControlPerDocument,
				Format: kbv1.ACLFormatQuick,
				Rules: []kbv1.ACLRule{
					{Prefix: "docs/sales/", Allow: []kbv1.ACLEntry{{Group: "Sales"}, {User: "Ana@Acme-Corp.example"}}},
					{Prefix: "docs/hr/", Allow: []kbv1.ACLEntry{{Group: "HR"}}},
					{Prefix: "docs/hr/confidential/", Deny: []kbv1.ACLEntry{{Group: "Contractors"}}},
					{Prefix: "docs/legal/", Deny: []kbv1.ACLEntry{{User: "bob@acme-corp.example"}}},
					{Prefix: "docs/shared/", Allow: []kbv1.ACLEntry{{User: "eve@acme-corp.example"}}, Deny: []kbv1.ACLEntry{{User: "eve@acme-corp.example"}}},
				},
			},
		},
		Status: kbv1.KnowledgeBaseStatus{
			ObservedGeneration: 2,
			Conditions: []metav1.Condition{{
				Type: kbv1.AccessControlInSyncCondition, Status: metav1.ConditionTrue, Reason: kbv1.SucceededReason,
				Message: "12 sidecars in sync", ObservedGeneration: 2,
			}},
			AccessControl: &kbv1.AccessControlStatus{Documents: 12, InSync: 12, ACLHash: "h2"},
			Ingestion: &kbv1.IngestionStatus{
				LastJob:           &kbv1.IngestionJob{ID: "JOB0000007", Status: "COMPLETE", ACLHash: "h2"},
				LastSuccessfulJob: &kbv1.IngestionJob{ID: "JOB0000007", Status: "COMPLETE", ACLHash: "h2"},
			},
		},
	}
	for _, m := range mutate {
		m(kb)
	}
	return kb
}

func TestExplainKeys(t *testing.T) {
	for name, tc := range map[string]struct {
		key         string
		rules       []int
		canRetrieve string // identities, comma-separated, as text renders them
		unreachable bool
		text        []string // lines the text output must hold
		aclFile     string
	}{
		"allowed by one rule, users lower-cased": {
			key: "docs/sales/q3.pdf", rules: []int{0}, canRetrieve: `user "ana@acme-corp.example", group "Sales"`,
			text:    []string{`  rules[0] "docs/sales/": allows user "ana@acme-corp.example", group "Sales"`},
			aclFile: "s3://acme-corp-docs/docs/sales/q3.pdf.metadata.json",
		},
		"an s3:// URL of the documents bucket": {
			key: "s3://acme-corp-docs/docs/sales/q3.pdf", rules: []int{0}, canRetrieve: `user "ana@acme-corp.example", group "Sales"`,
			aclFile: "s3://acme-corp-docs/docs/sales/q3.pdf.metadata.json",
		},
		"overlapping prefixes, a denied group": {
			key: "docs/hr/confidential/plan.pdf", rules: []int{1, 2}, canRetrieve: `group "HR"`,
			text: []string{
				`  rules[1] "docs/hr/": allows group "HR"`,
				`  rules[2] "docs/hr/confidential/": denies group "Contractors"`,
				`  note: group "Contractors" is denied.`,
			},
		},
		"no rule: deny by default": {
			key: "docs/readme.txt", unreachable: true,
			text: []string{"  UNREACHABLE: nobody can retrieve this document", "deny by default",
				"ACL file: s3://acme-corp-docs/docs/readme.txt.metadata.json (no rule applies, so kbwarden creates no sidecar)"},
		},
		"rules that only deny": {
			key: "docs/legal/contract.pdf", rules: []int{3}, unreachable: true,
			text: []string{`  rules[3] "docs/legal/": denies user "bob@acme-corp.example"`, "only deny"},
		},
		"every allowed identity denied": {
			key: "docs/shared/notes.md", rules: []int{4}, unreachable: true,
			text: []string{"deny wins"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			r, err := explainKey(newKB(), tc.key)
			if err != nil {
				t.Fatal(err)
			}
			var rules []int
			for _, m := range r.Rules {
				rules = append(rules, m.Index)
			}
			if !equalInts(rules, tc.rules) {
				t.Errorf("rules %v, want %v", rules, tc.rules)
			}
			if r.Unreachable != tc.unreachable {
				t.Errorf("unreachable %v, want %v", r.Unreachable, tc.unreachable)
			}
			text := r.text()
			if tc.unreachable && len(r.CanRetrieve) != 0 {
				t.Errorf("unreachable, yet canRetrieve %v", r.CanRetrieve)
			}
			if !tc.unreachable && !strings.Contains(text, "  can retrieve: "+tc.canRetrieve+"\n") {
				t.Errorf("want can retrieve: %s in\n%s", tc.canRetrieve, text)
			}
			for _, want := range tc.text {
				if !strings.Contains(text, want) {
					t.Errorf("want %q in\n%s", want, text)
				}
			}
			if tc.aclFile != "" && r.ACLFile != tc.aclFile {
				t.Errorf("aclFile %q, want %q", r.ACLFile, tc.aclFile)
			}
			if !strings.HasPrefix(text, "KnowledgeBase kb/sidekick-dev: accessControl.mode PerDocument, format Quick\n") {
				t.Errorf("no header in\n%s", text)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestExplainText pins the whole text output of one key.
func TestExplainText(t *testing.T) {
	r, err := explainKey(newKB(), "docs/hr/confidential/plan.pdf")
	if err != nil {
		t.Fatal(err)
	}
	want := `KnowledgeBase kb/sidekick-dev: accessControl.mode PerDocument, format Quick
ACL file: s3://acme-corp-docs/docs/hr/confidential/plan.pdf.metadata.json

"docs/hr/confidential/plan.pdf"
  rules[1] "docs/hr/": allows group "HR"
  rules[2] "docs/hr/confidential/": denies group "Contractors"
  can retrieve: group "HR"
  note: group "Contractors" is denied. kbwarden cannot resolve group membership, so its members cannot retrieve the document even when allowed as group "HR" (deny wins).
  status: in effect: the ACL files hold these rules, and ingestion job JOB0000007 ingested them.
`
	if got := r.text(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestExplainJSON(t *testing.T) {
	r, err := explainKey(newKB(), "docs/hr/confidential/plan.pdf")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.writeJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"knowledgeBase": "kb/sidekick-dev", "mode": "PerDocument", "format": "Quick", "bucket": "acme-corp-docs",
		"key": "docs/hr/confidential/plan.pdf", "aclFile": "s3://acme-corp-docs/docs/hr/confidential/plan.pdf.metadata.json",
		"unreachable": false,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	rules, _ := got["rules"].([]any)
	if len(rules) != 2 {
		t.Fatalf("rules = %v, want 2", got["rules"])
	}
	deny := rules[1].(map[string]any)["deny"].([]any)
	if g := deny[0].(map[string]any)["group"]; g != "Contractors" {
		t.Errorf("rules[1].deny[0].group = %v", g)
	}
	if cr := got["canRetrieve"].([]any); len(cr) != 1 || cr[0].(map[string]any)["group"] != "HR" {
		t.Errorf("canRetrieve = %v", got["canRetrieve"])
	}

	// Unreachable: canRetrieve is an empty list, not null.
	r, err = explainKey(newKB(), "docs/readme.txt")
	if err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := r.writeJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"canRetrieve": []`) || !strings.Contains(buf.String(), `"rules": []`) {
		t.Errorf("want empty lists in\n%s", buf.String())
	}
}

func TestExplainRefuses(t *testing.T) {
	for name, tc := range map[string]struct {
		kb   *kbv1.KnowledgeBase
		key  string
		want []string
	}{
		"mode None": {
			kb:   newKB(func(kb *kbv1.KnowledgeBase) { kb.Spec.AccessControl.Mode = kbv1.AccessControlNone }),
			key:  "docs/sales/q3.pdf",
			want: []string{"mode None", "ACLs are off", `every document the data source ingests from bucket acme-corp-docs under "docs/" can be retrieved by anyone allowed to query`, "5 rules", "are not applied", "cannot be undone"},
		},
		"no accessControl at all": {
			kb:   newKB(func(kb *kbv1.KnowledgeBase) { kb.Spec.AccessControl = nil }),
			key:  "docs/sales/q3.pdf",
			want: []string{"mode None", "ACLs are off"},
		},
		"outside documents.prefix": {
			kb: newKB(), key: "archive/sales/q3.pdf",
			want: []string{`key "archive/sales/q3.pdf" is outside spec.documents.prefix "docs/"`, "never returns it"},
		},
		"another bucket": {
			kb: newKB(), key: "s3://other-bucket/docs/sales/q3.pdf",
			want: []string{`in bucket "other-bucket"`, `in bucket "acme-corp-docs"`},
		},
		"empty key": {
			kb: newKB(), key: "s3://acme-corp-docs/",
			want: []string{"names no object", "docs/report.pdf"},
		},
		"a sidecar": {
			kb: newKB(), key: "docs/sales/q3.pdf.metadata.json",
			want: []string{`is the sidecar of document "docs/sales/q3.pdf"`, "kubectl kbwarden explain sidekick-dev docs/sales/q3.pdf -n kb"},
		},
		"a folder": {
			kb: newKB(), key: "docs/sales/",
			want: []string{"is a folder"},
		},
		"bookkeeping": {
			kb: newKB(), key: ".kbwarden/kb.sidekick-dev/manifest-0",
			want: []string{"bookkeeping"},
		},
		"the global file": {
			kb: newKB(func(kb *kbv1.KnowledgeBase) {
				kb.Spec.AccessControl.Mode, kb.Spec.AccessControl.GlobalFile = kbv1.AccessControlGlobal, "docs/acl.json"
			}),
			key:  "docs/acl.json",
			want: []string{"is the global ACL file"},
		},
		"a sidecar under metadataPrefix": {
			kb:   newKB(func(kb *kbv1.KnowledgeBase) { kb.Spec.AccessControl.MetadataPrefix = "metadata" }),
			key:  "metadata/docs/sales/q3.pdf.metadata.json",
			want: []string{`is the sidecar of document "docs/sales/q3.pdf"`},
		},
		"another key under metadataPrefix": {
			kb:   newKB(func(kb *kbv1.KnowledgeBase) { kb.Spec.AccessControl.MetadataPrefix = "metadata/" }),
			key:  "metadata/readme.txt",
			want: []string{"is under spec.accessControl.metadataPrefix"},
		},
		"rules that do not compile": {
			kb:   newKB(func(kb *kbv1.KnowledgeBase) { kb.Spec.AccessControl.Format = kbv1.ACLFormatBedrockManaged }),
			key:  "docs/sales/q3.pdf",
			want: []string{"does not compile", "InvalidSpec", "accepts only users"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			r, err := explainKey(tc.kb, tc.key)
			if err == nil {
				t.Fatalf("explained it:\n%s", r.text())
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("want %q in the error:\n%s", w, err)
				}
			}
		})
	}
}

func TestExplainACLFile(t *testing.T) {
	global := newKB(func(kb *kbv1.KnowledgeBase) {
		kb.Spec.AccessControl.Mode, kb.Spec.AccessControl.GlobalFile = kbv1.AccessControlGlobal, "acl/acl.json"
	})
	r, err := explainKey(global, "docs/sales/q3.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if r.ACLFile != "s3://acme-corp-docs/acl/acl.json" {
		t.Errorf("Global: aclFile %q", r.ACLFile)
	}
	if !strings.Contains(r.text(), "accessControl.mode Global") {
		t.Errorf("Global: no mode in\n%s", r.text())
	}

	parallel := newKB(func(kb *kbv1.KnowledgeBase) { kb.Spec.AccessControl.MetadataPrefix = "metadata" })
	if r, err = explainKey(parallel, "docs/sales/q3.pdf"); err != nil {
		t.Fatal(err)
	}
	if r.ACLFile != "s3://acme-corp-docs/metadata/docs/sales/q3.pdf.metadata.json" {
		t.Errorf("metadataPrefix: aclFile %q", r.ACLFile)
	}

	// A key whose sidecar key would pass S3's 1,024-byte limit: no sidecar,
	// so nobody can retrieve the document, whatever the rules say.
	long := "docs/sales/" + strings.Repeat("x", 1000)
	if r, err = explainKey(newKB(), long); err != nil {
		t.Fatal(err)
	}
	if !r.Unreachable || len(r.CanRetrieve) != 0 || r.ACLFile != "" {
		t.Errorf("long key: unreachable %v, canRetrieve %v, aclFile %q", r.Unreachable, r.CanRetrieve, r.ACLFile)
	}
	if text := r.text(); !strings.Contains(text, "UNREACHABLE") || !strings.Contains(text, "cannot write this document's sidecar") {
		t.Errorf("long key:\n%s", text)
	}
}

// quickKB makes newKB's KnowledgeBase an Amazon Quick one, its last
// refresh including the ACL files.
func quickKB(kb *kbv1.KnowledgeBase) {
	kb.Spec.Bedrock, kb.Spec.Quick, kb.Spec.VectorBucket = nil, &kbv1.QuickSpec{KnowledgeBaseID: "acme-docs"}, kbv1.VectorBucketSpec{}
	job := &kbv1.IngestionJob{ID: "20261201T130000Z-1", Status: "COMPLETED", Trigger: "External", ACLHash: "h2"}
	kb.Status.Ingestion = &kbv1.IngestionStatus{LastJob: job, LastSuccessfulJob: job.DeepCopy()}
}

func TestExplainStatus(t *testing.T) {
	for name, tc := range map[string]struct {
		kb   *kbv1.KnowledgeBase
		want []string
		not  []string
	}{
		"in effect": {
			kb:   newKB(),
			want: []string{"in effect: the ACL files hold these rules, and ingestion job JOB0000007 ingested them."},
		},
		"never reconciled": {
			kb: newKB(func(kb *kbv1.KnowledgeBase) {
				kb.Status = kbv1.KnowledgeBaseStatus{ObservedGeneration: -1}
			}),
			want: []string{"has not reconciled this KnowledgeBase yet"},
			not:  []string{"in effect"},
		},
		"a newer generation": {
			kb:   newKB(func(kb *kbv1.KnowledgeBase) { kb.Generation = 3 }),
			want: []string{"has not reconciled generation 3 of the spec yet (status is from generation 2)"},
			not:  []string{"in effect"},
		},
		"ACL files changed since the last job, a job running": {
			kb: newKB(func(kb *kbv1.KnowledgeBase) {
				kb.Status.AccessControl.ACLHash = "h3"
				kb.Status.Ingestion.LastJob = &kbv1.IngestionJob{ID: "JOB0000008", Status: "IN_PROGRESS", ACLHash: "h3"}
			}),
			want: []string{"the ACL files changed after the last successful ingestion job JOB0000007", "ingestion job JOB0000008 (IN_PROGRESS) is reading them now"},
			not:  []string{"in effect"},
		},
		"no job yet": {
			kb:   newKB(func(kb *kbv1.KnowledgeBase) { kb.Status.Ingestion = nil }),
			want: []string{"no ingestion job has completed since kbwarden wrote the ACL files"},
		},
		"ACL files not in sync, a problem with this document": {
			kb: newKB(func(kb *kbv1.KnowledgeBase) {
				kb.Status.Conditions[0].Status, kb.Status.Conditions[0].Reason = metav1.ConditionFalse, kbv1.DriftedReason
				kb.Status.Conditions[0].Message = "driftPolicy Observe: 1 ACL files differ from the rules and were not written"
				kb.Status.AccessControl.Problems = []string{
					"docs/hr/confidential/plan.pdf.metadata.json: existing sidecar is unparseable: invalid JSON",
					"docs/hr/other.pdf.metadata.json: existing sidecar is unparseable: invalid JSON",
				}
			}),
			want: []string{
				"AccessControlInSync is False (Drifted): driftPolicy Observe: 1 ACL files differ",
				"problem: docs/hr/confidential/plan.pdf.metadata.json: existing sidecar is unparseable",
			},
			not: []string{"other.pdf", "in effect"},
		},
		"suspended": {
			kb:   newKB(func(kb *kbv1.KnowledgeBase) { kb.Spec.Suspend = true }),
			want: []string{"spec.suspend is true"},
		},
		"quick: in effect": {
			kb:   newKB(quickKB),
			want: []string{"in effect: the ACL files hold these rules, and Quick ingestion 20261201T130000Z-1, which started after they were written, ingested them."},
		},
		"quick: changed since the last refresh, which cannot be started": {
			kb: newKB(quickKB, func(kb *kbv1.KnowledgeBase) {
				kb.Status.AccessControl.ACLHash = "h3"
			}),
			want: []string{"the ACL files changed after the last completed ingestion 20261201T130000Z-1 started: Amazon Quick still applies the previous ACLs",
				"when its next scheduled refresh completes (its API cannot start one)"},
			not: []string{"in effect"},
		},
		"quick: the refresh reading them": {
			kb: newKB(quickKB, func(kb *kbv1.KnowledgeBase) {
				kb.Status.AccessControl.ACLHash = "h3"
				kb.Status.Ingestion.LastJob = &kbv1.IngestionJob{ID: "20261201T140000Z-2", Status: "RUNNING", ACLHash: "h3"}
			}),
			want: []string{"ingestion 20261201T140000Z-2 (RUNNING) is reading them now"},
		},
		"quick: never reconciled": {
			kb:   newKB(quickKB, func(kb *kbv1.KnowledgeBase) { kb.Status = kbv1.KnowledgeBaseStatus{ObservedGeneration: -1} }),
			want: []string{"and Amazon Quick does not enforce them"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			r, err := explainKey(tc.kb, "docs/hr/confidential/plan.pdf")
			if err != nil {
				t.Fatal(err)
			}
			status := strings.Join(r.Status, "\n")
			for _, w := range tc.want {
				if !strings.Contains(status, w) {
					t.Errorf("want %q in the status lines:\n%s", w, status)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(status, n) {
					t.Errorf("do not want %q in the status lines:\n%s", n, status)
				}
			}
		})
	}
}
