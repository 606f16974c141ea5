package controllers

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/acl"
)

// TestACLPerDocument syncs 40 documents across several prefixes, some
// with sidecars holding other fields, then checks the cost of steady state
// and of a rule change, and the repair of out-of-band edits.
func TestACLPerDocument(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	ctx := context.Background()
	bucket := "kbw-acl-perdoc"
	createBucket(t, bucket, "")
	counts := map[string]int{"sales/": 12, "hr/confidential/": 8, "legal/": 10, "misc/": 10}
	documents := map[string]string{}
	for prefix, n := range counts {
		for i := range n {
			documents[fmt.Sprintf("docs/%sd%02d.pdf", prefix, i)] = "content"
		}
	}
	putObjects(t, bucket, documents)
	existing := map[string]string{
		"docs/sales/d00.pdf.metadata.json":           `{"Title":"Q3 deck","Attributes":{"_category":"deck","year":2025}}`,
		"docs/sales/d01.pdf.metadata.json":           `{"DocumentId":"sales-1","x-team-field":{"nested":[1,2,3]}}`,
		"docs/hr/confidential/d00.pdf.metadata.json": `{"Title":"Salaries","AccessControlList":[{"Name":"someone@acme.com","Type":"USER","Access":"ALLOW"}]}`,
		"docs/misc/d00.pdf.metadata.json":            `{"Title":"Lunch menu"}`,
	}
	putObjects(t, bucket, existing)
	kb := aclKnowledgeBase(t, "acl-perdoc", bucket, &kbv1.AccessControlSpec{
		Mode: kbv1.AccessControlPerDocument,
		Rules: []kbv1.ACLRule{
			{Prefix: "docs/sales/", Allow: []kbv1.ACLEntry{group("Sales")}},
			{Prefix: "docs/hr/", Allow: []kbv1.ACLEntry{group("HR")}},
			{Prefix: "docs/hr/confidential/", Allow: []kbv1.ACLEntry{user("Chief@Acme.com")}, Deny: []kbv1.ACLEntry{group("Interns")}},
			{Prefix: "docs/legal/", Allow: []kbv1.ACLEntry{group("Legal")}},
		},
	})
	g.Expect(createKB(t, kb)).To(gomega.Succeed())

	got := aclInSync(g, kb)
	st := got.Status.AccessControl
	g.Expect(st.Documents).To(gomega.Equal(int64(40)))
	g.Expect(st.Unreachable).To(gomega.Equal(int64(10)), "misc/ has no rule")
	g.Expect(st.ACLHash).NotTo(gomega.BeEmpty())
	g.Expect(got.Status.Documents.Count).To(gomega.Equal(int64(40)))
	g.Expect(got.Status.Documents.Fingerprint).NotTo(gomega.BeEmpty())
	g.Expect(condition(got, kbv1.AccessControlInSyncCondition).Message).To(gomega.ContainSubstring("10 unreachable by deny-by-default (no rule allows them): docs/misc/d00.pdf"))

	want := map[string]acl.ACL{
		"sales/":           acl.NewACL(allowGroup("Sales")),
		"hr/confidential/": acl.NewACL(allowGroup("HR"), acl.Entry{Name: "chief@acme.com", Type: acl.User, Access: acl.Allow}, acl.Entry{Name: "Interns", Type: acl.Group, Access: acl.Deny}),
		"legal/":           acl.NewACL(allowGroup("Legal")),
	}
	var sidecars []string
	for doc := range documents {
		sidecars = append(sidecars, doc+acl.SidecarSuffix)
	}
	written := getObjects(g, bucket, sidecars)
	for prefix, n := range counts {
		for i := range n {
			key := fmt.Sprintf("docs/%sd%02d.pdf.metadata.json", prefix, i)
			if prefix == "misc/" {
				body, ok := written[key]
				if i == 0 {
					g.Expect(body).To(gomega.Equal(existing[key]), "an unreachable document's sidecar keeps its fields and gets no ACL")
				} else {
					g.Expect(ok).To(gomega.BeFalse(), "deny by default needs no file")
				}
				continue
			}
			body, ok := written[key]
			g.Expect(ok).To(gomega.BeTrue(), "sidecar %s exists", key)
			gotACL, fields := parseSidecar(g, key, body)
			g.Expect(gotACL).To(gomega.Equal(want[prefix]), key)
			if _, pre := existing[key]; !pre {
				g.Expect(fields).To(gomega.BeEmpty(), key)
			}
		}
	}
	_, fields := sidecarACL(g, bucket, "docs/sales/d00.pdf.metadata.json")
	g.Expect(fields).To(gomega.Equal(map[string]any{"Title": "Q3 deck", "Attributes": map[string]any{"_category": "deck", "year": 2025.0}}))
	_, fields = sidecarACL(g, bucket, "docs/sales/d01.pdf.metadata.json")
	g.Expect(fields).To(gomega.Equal(map[string]any{"DocumentId": "sales-1", "x-team-field": map[string]any{"nested": []any{1.0, 2.0, 3.0}}}))

	// Steady state: LIST only (the documents prefix and the bookkeeping).
	// The first ingestion job may still be running when the files are in
	// sync: the window opens once it has ended and the passes after it have
	// settled, and its passes must write no status.
	ready(g, kb)
	rv := ""
	steady := quietThen(t, bucket, 3*time.Second, func() { rv = get(g, kb).ResourceVersion })
	t.Logf("steady state on %s over 3s: %v", bucket, steady)
	g.Expect(steady["ListObjectsV2"]).To(gomega.BeNumerically(">=", 2))
	g.Expect(steady).To(gomega.HaveLen(1), "no GET, no PUT: %v", steady)
	g.Expect(get(g, kb).ResourceVersion).To(gomega.Equal(rv), "the window's passes wrote no status")

	// One rule changes: exactly its 10 sidecars are read and rewritten, plus
	// the one manifest shard.
	before := calls.ForBucket(bucket)
	hash := get(g, kb).Status.AccessControl.ACLHash
	g.Expect(updateKB(ctx, kb, func(kb *kbv1.KnowledgeBase) {
		kb.Spec.AccessControl.Rules[3].Allow = append(kb.Spec.AccessControl.Rules[3].Allow, user("counsel@acme.com"))
	})).To(gomega.Succeed())
	eventually(g, func(g gomega.Gomega) {
		g.Expect(aclInSync(g, kb).Status.AccessControl.ACLHash).NotTo(gomega.Equal(hash))
	}).Should(gomega.Succeed())
	time.Sleep(2500 * time.Millisecond)
	changed := delta(bucket, before)
	t.Logf("rule change on %s: %v", bucket, changed)
	g.Expect(changed["PutObject"]).To(gomega.Equal(11), "10 legal/ sidecars and one manifest shard")
	g.Expect(changed["GetObject"]).To(gomega.Equal(10))
	gotACL, _ := sidecarACL(g, bucket, "docs/legal/d07.pdf.metadata.json")
	g.Expect(gotACL).To(gomega.ContainElement(acl.Entry{Name: "counsel@acme.com", Type: acl.User, Access: acl.Allow}))

	// Out of band: one sidecar's ACL is widened (repaired), another's Title
	// is edited (kept, not rewritten).
	hash = get(g, kb).Status.AccessControl.ACLHash
	putObject(t, bucket, "docs/hr/confidential/d05.pdf.metadata.json", `{"AccessControlList":[{"Name":"Everyone","Type":"GROUP","Access":"ALLOW"}]}`)
	titled := `{"AccessControlList":[{"Name":"Sales","Type":"GROUP","Access":"ALLOW"}],"Title":"Renamed by a person"}`
	putObject(t, bucket, "docs/sales/d09.pdf.metadata.json", titled)
	eventually(g, func(g gomega.Gomega) {
		gotACL, _ := sidecarACL(g, bucket, "docs/hr/confidential/d05.pdf.metadata.json")
		g.Expect(gotACL).To(gomega.Equal(want["hr/confidential/"]))
	}).Should(gomega.Succeed())
	body, _ := getObject(g, bucket, "docs/sales/d09.pdf.metadata.json")
	g.Expect(body).To(gomega.Equal(titled), "a Title edit is kept byte for byte")
	eventually(g, func(g gomega.Gomega) {
		g.Expect(eventsOf(g, kb)).To(haveEvent(kbv1.DriftRepairedReason, "1 repaired after an out-of-band change"))
	}).Should(gomega.Succeed())
	g.Expect(get(g, kb).Status.AccessControl.ACLHash).To(gomega.Equal(hash), "the files hold the same ACLs again")
	g.Expect(quiet(t, bucket, 2*time.Second)).To(gomega.HaveLen(1), "steady again")
}

// TestACLGlobalMode writes the global file once, and not again while the
// rules are unchanged.
func TestACLGlobalMode(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	bucket := "kbw-acl-global"
	createBucket(t, bucket, "")
	putObject(t, bucket, "docs/sales/a.pdf", "a")
	putObject(t, bucket, "docs/misc/b.pdf", "b")
	rules := []kbv1.ACLRule{{Prefix: "docs/sales/", Allow: []kbv1.ACLEntry{group("Sales")}}}
	kb := aclKnowledgeBase(t, "acl-global", bucket, &kbv1.AccessControlSpec{
		Mode: kbv1.AccessControlGlobal, GlobalFile: "acl/acl.json", Rules: rules})
	g.Expect(createKB(t, kb)).To(gomega.Succeed())

	got := aclInSync(g, kb)
	g.Expect(got.Status.AccessControl.Unreachable).To(gomega.Equal(int64(1)))
	policy, err := acl.Compile(rules, "", bucket)
	g.Expect(err).NotTo(gomega.HaveOccurred())
	body, ok := getObject(g, bucket, "acl/acl.json")
	g.Expect(ok).To(gomega.BeTrue())
	g.Expect(body).To(gomega.Equal(string(policy.GlobalFile())))
	g.Expect(got.Status.AccessControl.ACLHash).To(gomega.Equal(policy.Hash()))

	steady := quiet(t, bucket, 3*time.Second)
	t.Logf("steady state on %s over 3s: %v", bucket, steady)
	g.Expect(steady).To(gomega.HaveLen(1), "LIST only: %v", steady)
	g.Expect(calls.Count("PutObject", bucket)).To(gomega.Equal(2), "the global file and the manifest, once")
}

// TestACLBadInputs: an unparseable sidecar, a sidecar over the 1 KB limit
// of an S3 Vectors store, and a key too long are each reported with their
// key, and the other documents are synced.
func TestACLBadInputs(t *testing.T) {
	t.Parallel()
	long := "docs/" + strings.Repeat("x", 1010)
	many := make([]kbv1.ACLEntry, 0, 40)
	for i := range 40 {
		many = append(many, user(fmt.Sprintf("person-%02d@example.com", i)))
	}
	tests := map[string]struct {
		bucket  string
		setup   func(t *testing.T, bucket string)
		mutate  func(kb *kbv1.KnowledgeBase)
		problem string
		keep    map[string]string // keys whose content must not change
	}{
		"unparseable sidecar": {
			bucket: "kbw-acl-bad-json",
			setup: func(t *testing.T, b string) {
				putObject(t, b, "docs/bad.pdf", "x")
				putObject(t, b, "docs/bad.pdf.metadata.json", `{"Title": "oops",`)
			},
			problem: "docs/bad.pdf.metadata.json: existing sidecar is unparseable",
			keep:    map[string]string{"docs/bad.pdf.metadata.json": `{"Title": "oops",`},
		},
		"over the S3 Vectors 1 KB limit": {
			bucket: "kbw-acl-bad-size",
			setup:  func(t *testing.T, b string) { putObject(t, b, "docs/big/a.pdf", "x") },
			mutate: func(kb *kbv1.KnowledgeBase) {
				kb.Spec.AccessControl.Format = kbv1.ACLFormatBedrockManaged
				kb.Spec.AccessControl.Rules = []kbv1.ACLRule{
					{Prefix: "docs/", Allow: []kbv1.ACLEntry{user("all@example.com")}},
					{Prefix: "docs/big/", Allow: many}}
				kb.Spec.VectorBucket = kbv1.VectorBucketSpec{Name: "kbw-acl-bad-size-s3v", Type: kbv1.VectorBucketS3Vectors}
			},
			problem: "docs/big/a.pdf: sidecar would be",
		},
		"key too long": {
			bucket:  "kbw-acl-bad-key",
			setup:   func(t *testing.T, b string) { putObject(t, b, long, "x") },
			problem: long + ": sidecar key",
		},
	}
	kbs := map[string]*kbv1.KnowledgeBase{}
	for name, tc := range tests {
		createBucket(t, tc.bucket, "")
		tc.setup(t, tc.bucket)
		putObject(t, tc.bucket, "docs/good.pdf", "fine")
		kb := aclKnowledgeBase(t, "acl-bad-"+strings.ReplaceAll(strings.Fields(name)[0], " ", "-"), tc.bucket, &kbv1.AccessControlSpec{
			Mode:  kbv1.AccessControlPerDocument,
			Rules: []kbv1.ACLRule{{Prefix: "docs/", Allow: []kbv1.ACLEntry{user("all@example.com")}}}})
		if tc.mutate != nil {
			tc.mutate(kb)
		}
		if kb.Spec.VectorBucket.Type == kbv1.VectorBucketS3Vectors {
			createVectorBucket(t, kb.Spec.VectorBucket.Name)
		}
		if err := createKB(t, kb); err != nil {
			t.Fatal(err)
		}
		kbs[name] = kb
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := gomega.NewWithT(t)
			kb := kbs[name]
			eventually(g, func(g gomega.Gomega) {
				got := get(g, kb)
				c := condition(got, kbv1.AccessControlInSyncCondition)
				g.Expect(c).NotTo(gomega.BeNil())
				g.Expect(c.Status).To(gomega.Equal(metav1.ConditionFalse))
				g.Expect(c.Reason).To(gomega.Equal(kbv1.ACLFilesRejectedReason))
				g.Expect(got.Status.AccessControl.Problems).To(gomega.ContainElement(gomega.HavePrefix(tc.problem)))
				g.Expect(got.Status.AccessControl.Written + got.Status.AccessControl.InSync).To(gomega.BeNumerically(">=", 1))
			}).Should(gomega.Succeed())
			body, ok := getObject(g, tc.bucket, "docs/good.pdf.metadata.json")
			g.Expect(ok).To(gomega.BeTrue(), "the other documents are synced")
			g.Expect(body).To(gomega.ContainSubstring("all@example.com"))
			for key, content := range tc.keep {
				got, _ := getObject(g, tc.bucket, key)
				g.Expect(got).To(gomega.Equal(content), "never overwritten")
			}
		})
	}
}
