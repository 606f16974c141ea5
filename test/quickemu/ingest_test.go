package quickemu

import (
	"slices"
	"strings"
	"testing"
)

// principal is who asks Retrievable.
type principal struct {
	user   string
	groups []string
}

func sidecar(entries ...string) string {
	return `{"Title":"t","AccessControlList":[` + strings.Join(entries, ",") + `]}`
}

func entry(name, typ, access string) string {
	return `{"Name":"` + name + `","Type":"` + typ + `","Access":"` + access + `"}`
}

// TestQuickRules applies Quick's ACL rules to real objects on moto: deny by
// default, deny wins, case-insensitive emails, exact group names, the
// global file and sidecars (next to documents and under a metadata folder).
func TestQuickRules(t *testing.T) {
	type want struct {
		who  principal
		keys []string
	}
	cases := map[string]struct {
		mode    ACLMode
		tune    func(*KnowledgeBase)
		objects func(bucket string) map[string]string
		// ingested and notIngested are the ingestion's document lists.
		ingested, notIngested []string
		wants                 []want
	}{
		"no access control: every document, for anyone": {
			mode:     ACLNone,
			objects:  func(string) map[string]string { return map[string]string{"a.txt": "a", "b/c.txt": "c"} },
			ingested: []string{"a.txt", "b/c.txt"},
			wants:    []want{{principal{"anyone@example.com", nil}, []string{"a.txt", "b/c.txt"}}},
		},
		"deny by default: a document without a sidecar is not ingested": {
			mode: ACLPerDocument,
			objects: func(string) map[string]string {
				return map[string]string{
					"hr/a.txt": "a", "hr/a.txt.metadata.json": sidecar(entry("HR", "GROUP", "ALLOW")),
					"hr/b.txt": "b",
					"hr/c.txt": "c", "hr/c.txt.metadata.json": `{"Title":"no ACL"}`,
				}
			},
			ingested: []string{"hr/a.txt"}, notIngested: []string{"hr/b.txt", "hr/c.txt"},
			wants: []want{{principal{"", []string{"HR"}}, []string{"hr/a.txt"}}},
		},
		"deny wins over allow, for a user and for a group": {
			mode: ACLPerDocument,
			objects: func(string) map[string]string {
				return map[string]string{
					"a.txt": "a", "a.txt.metadata.json": sidecar(entry("Employees", "GROUP", "ALLOW"), entry("bob@example.com", "USER", "DENY")),
					"b.txt": "b", "b.txt.metadata.json": sidecar(entry("alice@example.com", "USER", "ALLOW"), entry("Contractors", "GROUP", "DENY")),
				}
			},
			ingested: []string{"a.txt", "b.txt"},
			wants: []want{
				{principal{"alice@example.com", []string{"Employees"}}, []string{"a.txt", "b.txt"}},
				{principal{"bob@example.com", []string{"Employees"}}, []string{}},
				{principal{"alice@example.com", []string{"Employees", "Contractors"}}, []string{"a.txt"}},
			},
		},
		"user emails match without case, group names exactly": {
			mode: ACLPerDocument,
			objects: func(string) map[string]string {
				return map[string]string{
					"u.txt": "u", "u.txt.metadata.json": sidecar(entry("Alice@Example.com", "USER", "ALLOW")),
					"g.txt": "g", "g.txt.metadata.json": sidecar(entry("HR", "GROUP", "ALLOW")),
				}
			},
			ingested: []string{"g.txt", "u.txt"},
			wants: []want{
				{principal{"alice@EXAMPLE.COM", nil}, []string{"u.txt"}},
				{principal{"", []string{"hr", "Hr"}}, []string{}},
				{principal{"", []string{"HR"}}, []string{"g.txt"}},
			},
		},
		"sidecars under a metadata folder": {
			mode: ACLPerDocument,
			tune: func(kb *KnowledgeBase) { kb.Prefix, kb.MetadataPrefix = "docs/", "meta" },
			objects: func(string) map[string]string {
				return map[string]string{
					"docs/a.txt": "a", "meta/docs/a.txt.metadata.json": sidecar(entry("HR", "GROUP", "ALLOW")),
					"docs/b.txt": "b", "docs/b.txt.metadata.json": sidecar(entry("HR", "GROUP", "ALLOW")), // not where Quick looks
				}
			},
			ingested: []string{"docs/a.txt"}, notIngested: []string{"docs/b.txt"},
			wants: []want{{principal{"", []string{"HR"}}, []string{"docs/a.txt"}}},
		},
		"global file: every keyPrefix the URI starts with": {
			mode: ACLGlobal,
			tune: func(kb *KnowledgeBase) { kb.GlobalACLFile = "acl/global.json" },
			objects: func(bucket string) map[string]string {
				return map[string]string{
					"hr/a.txt": "a", "hr/secret/b.txt": "b", "pub/c.txt": "c", "other/d.txt": "d",
					"acl/global.json": `[` +
						`{"keyPrefix":"s3://` + bucket + `/hr/","aclEntries":[` + entry("Employees", "GROUP", "ALLOW") + `,` + entry("Contractors", "GROUP", "DENY") + `]},` +
						`{"keyPrefix":"s3://` + bucket + `/hr/secret/","aclEntries":[` + entry("bob@example.com", "USER", "DENY") + `]},` +
						`{"keyPrefix":"s3://` + bucket + `/pub/","aclEntries":[` + entry("Contractors", "GROUP", "ALLOW") + `]}]`,
				}
			},
			ingested: []string{"hr/a.txt", "hr/secret/b.txt", "pub/c.txt"}, notIngested: []string{"other/d.txt"},
			wants: []want{
				{principal{"alice@example.com", []string{"Employees"}}, []string{"hr/a.txt", "hr/secret/b.txt"}},
				{principal{"BOB@example.com", []string{"Employees"}}, []string{"hr/a.txt"}},
				{principal{"carol@example.com", []string{"Employees", "Contractors"}}, []string{"pub/c.txt"}},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			for k, v := range tc.objects(e.docs) {
				e.put(k, v)
			}
			tune := []func(*KnowledgeBase){}
			if tc.tune != nil {
				tune = append(tune, tc.tune)
			}
			e.addKB("kb", tc.mode, tune...)
			in := e.ingest("kb")
			if in.Status != statusCompleted {
				t.Fatalf("ingestion %s: %v", in.Status, in.Reasons)
			}
			if !slices.Equal(in.Ingested, tc.ingested) || !slices.Equal(in.NotIngested, tc.notIngested) {
				t.Errorf("ingested %q, not ingested %q; want %q and %q", in.Ingested, in.NotIngested, tc.ingested, tc.notIngested)
			}
			for _, w := range tc.wants {
				if got := e.srv.Retrievable(acct, "kb", w.who.user, w.who.groups); !slices.Equal(got, w.keys) {
					t.Errorf("Retrievable(%q, %q) = %q, want %q", w.who.user, w.who.groups, got, w.keys)
				}
			}
		})
	}
}

// TestUnreadableACLs: a broken sidecar leaves its document out and makes
// the ingestion INCOMPLETE; a missing or broken global file FAILS it, and
// what the previous ingestion published stays retrievable.
func TestUnreadableACLs(t *testing.T) {
	e := newEnv(t)
	e.put("a.txt", "a")
	e.put("a.txt.metadata.json", sidecar(entry("HR", "GROUP", "ALLOW")))
	e.put("b.txt", "b")
	e.put("b.txt.metadata.json", "\xEF\xBB\xBF"+sidecar(entry("HR", "GROUP", "ALLOW")))
	e.put("c.txt", "c")
	e.put("c.txt.metadata.json", `{"AccessControlList":[]}`)
	e.addKB("docs", ACLPerDocument)
	in := e.ingest("docs")
	if in.Status != statusIncomplete || !slices.Equal(in.Failed, []string{"b.txt", "c.txt"}) || !slices.Equal(in.Ingested, []string{"a.txt"}) {
		t.Fatalf("got %s, failed %q, ingested %q (%v)", in.Status, in.Failed, in.Ingested, in.Reasons)
	}
	if got := e.srv.Retrievable(acct, "docs", "", []string{"HR"}); !slices.Equal(got, []string{"a.txt"}) {
		t.Errorf("an INCOMPLETE ingestion publishes what it ingested: got %q", got)
	}

	e.put("global.json", `[{"keyPrefix":"s3://`+e.docs+`/","aclEntries":[`+entry("HR", "GROUP", "ALLOW")+`]}]`)
	e.addKB("global", ACLGlobal, func(kb *KnowledgeBase) { kb.GlobalACLFile = "global.json" })
	if in := e.ingest("global"); in.Status != statusCompleted {
		t.Fatalf("first ingestion %s: %v", in.Status, in.Reasons)
	}
	e.put("global.json", `[{"keyPrefix":"/not-a-uri","aclEntries":[]}]`)
	if in := e.ingest("global"); in.Status != statusFailed || len(in.Reasons) != 1 {
		t.Fatalf("a broken global file: got %s %v, want FAILED", in.Status, in.Reasons)
	}
	if got := e.srv.Retrievable(acct, "global", "", []string{"HR"}); !slices.Contains(got, "a.txt") {
		t.Errorf("after a FAILED ingestion the previous index stays: got %q", got)
	}
	e.addKB("missing", ACLGlobal, func(kb *KnowledgeBase) { kb.GlobalACLFile = "nope.json" })
	if in := e.ingest("missing"); in.Status != statusFailed {
		t.Errorf("a missing global file: got %s, want FAILED", in.Status)
	}
	if got := e.srv.Retrievable(acct, "missing", "", []string{"HR"}); got != nil {
		t.Errorf("nothing was ever published: got %q", got)
	}
}
