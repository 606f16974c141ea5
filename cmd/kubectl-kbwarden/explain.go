package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/acl"
)

// report is what explain prints: the explanation of internal/acl, where
// the ACL lives in S3, and whether kbwarden has written and Bedrock has
// ingested it. Its JSON form is the -o json output; identities use the
// spec's own shape ({"user": ...} or {"group": ...}).
type report struct {
	// KnowledgeBase is namespace/name.
	KnowledgeBase string                 `json:"knowledgeBase"`
	Mode          kbv1.AccessControlMode `json:"mode"`
	Format        kbv1.ACLFormat         `json:"format"`
	Bucket        string                 `json:"bucket"`
	Key           string                 `json:"key"`
	// ACLFile is the s3:// URL of the file that holds the document's ACL:
	// its sidecar (PerDocument) or the global file (Global).
	ACLFile string `json:"aclFile,omitempty"`
	// Rules are the rules whose prefix the key starts with, in spec order.
	Rules []ruleMatch `json:"rules"`
	// CanRetrieve are the identities allowed and not denied.
	CanRetrieve []kbv1.ACLEntry `json:"canRetrieve"`
	// Unreachable is true when nobody can retrieve the document.
	Unreachable bool `json:"unreachable"`
	// Notes explain what CanRetrieve cannot show (deny by default, denied
	// groups whose members kbwarden cannot know).
	Notes []string `json:"notes,omitempty"`
	// Status says, from the KnowledgeBase's status, whether the ACL files
	// hold these rules yet and whether an ingestion job has applied them.
	Status []string `json:"status,omitempty"`

	explanation acl.Explanation
}

// ruleMatch is one rule that applies to the key.
type ruleMatch struct {
	// Index is the rule's position in spec.accessControl.rules.
	Index  int             `json:"index"`
	Prefix string          `json:"prefix"`
	Allow  []kbv1.ACLEntry `json:"allow,omitempty"`
	Deny   []kbv1.ACLEntry `json:"deny,omitempty"`
}

// explainKey explains key (an object key of the documents bucket, or an
// s3:// URL in it) for kb. It refuses, with an error that says why and what
// to do, when ACLs are off, when the spec cannot compile, and when key is
// not a document of the data source (outside documents.prefix, a sidecar,
// the global file, a folder, kbwarden's bookkeeping).
func explainKey(kb *kbv1.KnowledgeBase, key string) (*report, error) {
	ref := kb.Namespace + "/" + kb.Name
	mode := kb.AccessControlMode()
	bucket, prefix := kb.Spec.Documents.Bucket, kb.Spec.Documents.Prefix
	if mode == kbv1.AccessControlNone {
		return nil, aclsOff(kb, ref)
	}
	ac := kb.Spec.AccessControl
	key, err := documentKey(ref, bucket, prefix, key)
	if err != nil {
		return nil, err
	}
	if err := isDocument(ref, kb, key); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(key, prefix) {
		return nil, fmt.Errorf("key %q is outside spec.documents.prefix %q of KnowledgeBase %s: the data source ingests only keys under "+
			"that prefix, so no ACL applies to this object and the knowledge base never returns it", key, prefix, ref)
	}
	policy, err := acl.Compile(ac.Rules, ac.Format, bucket)
	if err != nil {
		return nil, fmt.Errorf("the access control of KnowledgeBase %s does not compile, so kbwarden writes no ACL file "+
			"(Stalled, reason InvalidSpec): %w", ref, err)
	}
	x := policy.Explain(key)
	r := &report{
		KnowledgeBase: ref, Mode: mode, Format: policy.Format(), Bucket: bucket, Key: key,
		Rules: []ruleMatch{}, CanRetrieve: entries(x.Effective), Unreachable: x.Unreachable,
		Notes: x.Notes, explanation: x,
	}
	for _, m := range x.Matches {
		r.Rules = append(r.Rules, ruleMatch{Index: m.Index, Prefix: m.Prefix, Allow: entries(m.Allow), Deny: entries(m.Deny)})
	}
	aclKey := ""
	switch mode {
	case kbv1.AccessControlGlobal:
		aclKey = ac.GlobalFile
		r.ACLFile = "s3://" + bucket + "/" + aclKey
	case kbv1.AccessControlPerDocument:
		aclKey, err = acl.SidecarKey(key, ac.MetadataPrefix)
		if err != nil {
			r.Notes = append(r.Notes, "kbwarden cannot write this document's sidecar ("+err.Error()+
				"), so the document carries no ACL and nobody can retrieve it; shorten the key or spec.accessControl.metadataPrefix.")
			r.CanRetrieve, r.Unreachable = []kbv1.ACLEntry{}, true
		} else {
			r.ACLFile = "s3://" + bucket + "/" + aclKey
		}
	}
	r.Status = statusNotes(kb, key, aclKey)
	return r, nil
}

// aclsOff is the answer for mode None: there is nothing to explain, and
// the user should know what that means for the documents.
func aclsOff(kb *kbv1.KnowledgeBase, ref string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "KnowledgeBase %s has spec.accessControl.mode None: document-level ACLs are off, so there is nothing to explain. "+
		"kbwarden writes no ACL file, so no document carries an ACL: every document the data source ingests from bucket %s",
		ref, kb.Spec.Documents.Bucket)
	if p := kb.Spec.Documents.Prefix; p != "" {
		fmt.Fprintf(&b, " under %q", p)
	}
	b.WriteString(" can be retrieved by anyone allowed to query the knowledge base; IAM permissions such as bedrock:Retrieve are the only control.")
	if ac := kb.Spec.AccessControl; ac != nil && len(ac.Rules) > 0 {
		fmt.Fprintf(&b, " Its %d rules in spec.accessControl.rules are not applied.", len(ac.Rules))
	}
	b.WriteString(" To enforce per-document access, set mode to Global or PerDocument; enabling ACLs cannot be undone.")
	return errors.New(b.String())
}

// documentKey accepts a key or an s3:// URL of the documents bucket.
func documentKey(ref, bucket, prefix, arg string) (string, error) {
	key := arg
	if rest, ok := strings.CutPrefix(arg, "s3://"); ok {
		b, k, _ := strings.Cut(rest, "/")
		if b != bucket {
			return "", fmt.Errorf("%s is in bucket %q, but the documents of KnowledgeBase %s are in bucket %q", arg, b, ref, bucket)
		}
		key = k
	}
	if key == "" {
		return "", fmt.Errorf("%q names no object: give the key of a document, for example %sreport.pdf", arg, prefix)
	}
	return key, nil
}

// isDocument refuses the keys that the controller never treats as
// documents, naming what they are instead.
func isDocument(ref string, kb *kbv1.KnowledgeBase, key string) error {
	ac := kb.Spec.AccessControl
	switch {
	case strings.HasPrefix(key, ".kbwarden/"):
		return fmt.Errorf("%q is kbwarden's own bookkeeping, not a document", key)
	case kb.AccessControlMode() == kbv1.AccessControlGlobal && key == ac.GlobalFile:
		return fmt.Errorf("%q is the global ACL file of KnowledgeBase %s, not a document; explain a document's key to see the rules that apply to it", key, ref)
	}
	if doc, ok := acl.DocumentKeyOf(key, ac.MetadataPrefix); ok {
		return fmt.Errorf("%q is the sidecar of document %q, not a document; run: kubectl kbwarden explain %s %s -n %s",
			key, doc, kb.Name, shellQuote(doc), kb.Namespace)
	}
	switch {
	case strings.HasSuffix(key, acl.SidecarSuffix):
		return fmt.Errorf("%q ends in %s: the service reads such keys as metadata sidecars, never as documents", key, acl.SidecarSuffix)
	case ac.MetadataPrefix != "" && strings.HasPrefix(key, strings.TrimSuffix(ac.MetadataPrefix, "/")+"/"):
		return fmt.Errorf("%q is under spec.accessControl.metadataPrefix %q, where sidecars live, not documents", key, ac.MetadataPrefix)
	case strings.HasSuffix(key, "/"):
		return fmt.Errorf("%q is a folder, not a document: rules apply to each document by its full key (a rule for a deeper prefix may "+
			"apply to some documents in it and not others), so explain a document's key", key)
	}
	return nil
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@+=,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// statusNotes says, from status, whether the files in S3 hold the rules
// explained (the explanation is of the spec) and whether the knowledge base
// (Bedrock's or Amazon Quick's) enforces them yet (ACL files take effect
// only when an ingestion reads them).
func statusNotes(kb *kbv1.KnowledgeBase, docKey, aclKey string) []string {
	var out []string
	st := kb.Status
	if kb.Spec.Suspend {
		out = append(out, "spec.suspend is true: kbwarden writes no ACL file until it is resumed, so S3 may not hold these rules.")
	}
	if st.ObservedGeneration < 1 {
		return append(out, "kbwarden has not reconciled this KnowledgeBase yet: no ACL file holds these rules, and "+serviceOf(kb)+" does not enforce them.")
	}
	if kb.Generation > st.ObservedGeneration {
		out = append(out, fmt.Sprintf("kbwarden has not reconciled generation %d of the spec yet (status is from generation %d): "+
			"the ACL files may still hold the previous rules.", kb.Generation, st.ObservedGeneration))
	}
	inSync := false
	switch c := apimeta.FindStatusCondition(st.Conditions, kbv1.AccessControlInSyncCondition); {
	case c == nil || c.Status == metav1.ConditionUnknown:
		out = append(out, "kbwarden has not checked the ACL files yet (no AccessControlInSync condition).")
	case c.Status == metav1.ConditionFalse:
		out = append(out, fmt.Sprintf("AccessControlInSync is False (%s): %s", c.Reason, c.Message))
	default:
		inSync = kb.Generation <= st.ObservedGeneration
	}
	if a := st.AccessControl; a != nil {
		for _, p := range a.Problems {
			if strings.HasSuffix(p, "(deny by default)") {
				continue // the explanation says it already
			}
			if strings.HasPrefix(p, docKey+": ") || (aclKey != "" && strings.HasPrefix(p, aclKey+": ")) {
				out = append(out, "problem: "+p)
			}
		}
	}
	return append(out, enforcement(kb, inSync)...)
}

// serviceOf names the service that ingests the KnowledgeBase's documents.
func serviceOf(kb *kbv1.KnowledgeBase) string {
	if kb.Consumer() == kbv1.ConsumerQuick {
		return "Amazon Quick"
	}
	return "Bedrock"
}

// enforcement compares the hash of the ACL files kbwarden holds in sync
// with the one the last successful ingestion job started with.
func enforcement(kb *kbv1.KnowledgeBase, inSync bool) []string {
	if kb.Consumer() == kbv1.ConsumerQuick {
		return quickEnforcement(kb, inSync)
	}
	st := kb.Status
	if st.AccessControl == nil || st.AccessControl.ACLHash == "" {
		return nil
	}
	current := st.AccessControl.ACLHash
	var last, latest *kbv1.IngestionJob
	if st.Ingestion != nil {
		last, latest = st.Ingestion.LastSuccessfulJob, st.Ingestion.LastJob
	}
	running := ""
	if latest != nil && (latest.Status == "STARTING" || latest.Status == "IN_PROGRESS") && latest.ACLHash == current {
		running = fmt.Sprintf("; ingestion job %s (%s) is reading them now", latest.ID, latest.Status)
	}
	switch {
	case last == nil:
		return []string{"no ingestion job has completed since kbwarden wrote the ACL files: Bedrock applies them only when a job ingests them" + running + "."}
	case last.ACLHash == "":
		return nil // a job somebody else started: what it read is unknown
	case last.ACLHash != current:
		return []string{fmt.Sprintf("the ACL files changed after the last successful ingestion job %s: "+
			"Bedrock still applies the previous ACLs until the next job completes%s.", last.ID, running)}
	case inSync:
		return []string{fmt.Sprintf("in effect: the ACL files hold these rules, and ingestion job %s ingested them.", last.ID)}
	}
	return nil
}

// quickEnforcement is enforcement for an Amazon Quick knowledge base:
// ingestions come from its refresh schedule (the API cannot start one),
// and one counts only when it started after the ACL files were written,
// which kbwarden records as its aclHash.
func quickEnforcement(kb *kbv1.KnowledgeBase, inSync bool) []string {
	st := kb.Status
	current := st.AccessControl.ACLHash
	var last, latest *kbv1.IngestionJob
	if st.Ingestion != nil {
		last, latest = st.Ingestion.LastSuccessfulJob, st.Ingestion.LastJob
	}
	running := ""
	if latest != nil && (latest.Status == "QUEUED" || latest.Status == "RUNNING") && latest.ACLHash == current {
		running = fmt.Sprintf("; ingestion %s (%s) is reading them now", latest.ID, latest.Status)
	}
	wait := "Amazon Quick applies them when its next scheduled refresh completes (its API cannot start one)"
	switch {
	case last == nil:
		return []string{"no Quick ingestion has completed since kbwarden wrote the ACL files: " + wait + running + "."}
	case last.ACLHash != current:
		return []string{fmt.Sprintf("the ACL files changed after the last completed ingestion %s started: "+
			"Amazon Quick still applies the previous ACLs; %s%s.", last.ID, wait, running)}
	case inSync:
		return []string{fmt.Sprintf("in effect: the ACL files hold these rules, and Quick ingestion %s, which started after they were written, ingested them.", last.ID)}
	}
	return nil
}

func entries(ids []acl.Identity) []kbv1.ACLEntry {
	out := make([]kbv1.ACLEntry, 0, len(ids))
	for _, id := range ids {
		if id.Type == acl.User {
			out = append(out, kbv1.ACLEntry{User: id.Name})
		} else {
			out = append(out, kbv1.ACLEntry{Group: id.Name})
		}
	}
	return out
}

// text renders the report for a terminal: a header, internal/acl's
// explanation, then the status lines.
func (r *report) text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "KnowledgeBase %s: accessControl.mode %s, format %s\n", r.KnowledgeBase, r.Mode, r.Format)
	switch {
	case r.ACLFile != "" && r.Mode == kbv1.AccessControlPerDocument && len(r.Rules) == 0:
		fmt.Fprintf(&b, "ACL file: %s (no rule applies, so kbwarden creates no sidecar)\n", r.ACLFile)
	case r.ACLFile != "":
		fmt.Fprintf(&b, "ACL file: %s\n", r.ACLFile)
	}
	b.WriteString("\n")
	x := r.explanation
	x.Notes = r.Notes
	if r.Unreachable && !x.Unreachable {
		x.Effective, x.Unreachable = nil, true
	}
	b.WriteString(x.String())
	for _, s := range r.Status {
		b.WriteString("  status: " + s + "\n")
	}
	return b.String()
}

func (r *report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}
