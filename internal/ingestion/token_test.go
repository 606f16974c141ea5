package ingestion

import (
	"regexp"
	"strings"
	"testing"
)

func TestClientToken(t *testing.T) {
	base := TokenInput{UID: "u1", KnowledgeBaseID: "KB12345678", DataSourceID: "DS12345678", Trigger: TriggerChanged, ACLHash: "a", Fingerprint: "f", PreviousJobID: "J0"}
	tok := ClientToken(base)
	if !regexp.MustCompile(`^[a-zA-Z0-9](-*[a-zA-Z0-9]){32,255}$`).MatchString(tok) {
		t.Fatalf("token %q does not fit the API's pattern and length", tok)
	}
	if ClientToken(base) != tok {
		t.Fatal("the token is not deterministic")
	}
	for name, mod := range map[string]func(*TokenInput){
		"another object":      func(in *TokenInput) { in.UID = "u2" },
		"another trigger":     func(in *TokenInput) { in.Trigger = TriggerInterval },
		"another token":       func(in *TokenInput) { in.Cause = "x" },
		"another ACL":         func(in *TokenInput) { in.ACLHash = "b" },
		"another fingerprint": func(in *TokenInput) { in.Fingerprint = "g" },
		"after another job":   func(in *TokenInput) { in.PreviousJobID = "J1" },
		"fields shifted":      func(in *TokenInput) { in.ACLHash, in.Fingerprint = "af", "" },
	} {
		in := base
		mod(&in)
		if ClientToken(in) == tok {
			t.Errorf("%s: same token", name)
		}
	}
}

func TestDescription(t *testing.T) {
	long := strings.Repeat("x", 190)
	for _, tc := range []struct {
		trigger Trigger
		acl, fp string
		wantACL string
		wantFP  string
	}{
		{TriggerChanged, "a1", "f1", "a1", "f1"},
		{TriggerInterval, "", "f1", "", "f1"},
		{TriggerRepair, long, "f1", "", "f1"},
	} {
		d := Description(tc.trigger, tc.acl, tc.fp)
		if len(d) > 200 {
			t.Fatalf("description %d characters long", len(d))
		}
		tr, acl, fp, ok := ParseDescription(d)
		if !ok || tr != tc.trigger || acl != tc.wantACL || fp != tc.wantFP {
			t.Errorf("ParseDescription(%q) = %q %q %q %v", d, tr, acl, fp, ok)
		}
	}
	if _, _, _, ok := ParseDescription("nightly sync from the console"); ok {
		t.Error("someone else's description parsed as kbwarden's")
	}
}
