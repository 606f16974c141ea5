package ingestion

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// TokenInput is everything a job is for. Two starts with the same TokenInput
// are the same job: a controller restarted between StartIngestionJob and its
// status patch sends the same clientToken again, and Bedrock returns the job
// it already started instead of starting a second one.
type TokenInput struct {
	// UID is the KnowledgeBase object's UID: a KnowledgeBase deleted and
	// created again is a new owner.
	UID             string
	KnowledgeBaseID string
	DataSourceID    string
	Trigger         Trigger
	Cause           string
	ACLHash         string
	Fingerprint     string
	// PreviousJobID is the last job known before this start, so the same
	// content coming back later (A, B, then A again) is a new job.
	PreviousJobID string
}

// ClientToken derives the clientToken: "kbwarden-" and 48 hex digits, within
// the API's 33 to 256 characters of [a-zA-Z0-9-].
func ClientToken(in TokenInput) string {
	h := sha256.New()
	for _, p := range []string{in.UID, in.KnowledgeBaseID, in.DataSourceID, string(in.Trigger), in.Cause, in.ACLHash, in.Fingerprint, in.PreviousJobID} {
		h.Write([]byte(p))
		h.Write([]byte{0}) // a separator, so ("ab","c") and ("a","bc") differ
	}
	return "kbwarden-" + hex.EncodeToString(h.Sum(nil))[:48]
}

// maxDescription is the API's limit on a job's description.
const maxDescription = 200

const descriptionPrefix = "kbwarden"

// Description is the job's description: it records what the job was started
// for, so a restarted kbwarden that finds the job in ListIngestionJobs
// knows its trigger and the ACL hash and fingerprint it ingests. Values that
// would push it over the API's 200 characters are left out (then unknown).
// It is deterministic, as a replayed clientToken must carry the same one.
func Description(trigger Trigger, aclHash, fingerprint string) string {
	d := descriptionPrefix + " trigger=" + string(trigger)
	for _, kv := range [][2]string{{"acl", aclHash}, {"docs", fingerprint}} {
		if kv[1] == "" || strings.ContainsAny(kv[1], " =") {
			continue
		}
		if part := " " + kv[0] + "=" + kv[1]; len(d)+len(part) <= maxDescription {
			d += part
		}
	}
	return d
}

// ParseDescription reads what Description wrote. ok is false for a job
// someone else started (any other description).
func ParseDescription(desc string) (trigger Trigger, aclHash, fingerprint string, ok bool) {
	fields := strings.Fields(desc)
	if len(fields) < 2 || fields[0] != descriptionPrefix {
		return "", "", "", false
	}
	for _, f := range fields[1:] {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "trigger":
			trigger = Trigger(v)
		case "acl":
			aclHash = v
		case "docs":
			fingerprint = v
		}
	}
	return trigger, aclHash, fingerprint, trigger != ""
}
