package bedrockemu

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// aclEntry is one ACL entry. Entry members are matched case-insensitively
// (encoding/json's default), so {"Name":...} and {"name":...} both work.
type aclEntry struct {
	Name   string `json:"Name"`
	Type   string `json:"Type"`
	Access string `json:"Access"`
}

// globalRule is one element of a global ACL file.
type globalRule struct {
	KeyPrefix  string     `json:"keyPrefix"`
	ACLEntries []aclEntry `json:"aclEntries"`
}

// parseSidecar reads a metadata sidecar and returns its ACL entries. Both
// formats are accepted: Quick's "AccessControlList" and Bedrock's
// "accessControlList". The keys are looked up exactly, because
// encoding/json would otherwise match either spelling to one field.
func parseSidecar(data []byte) ([]aclEntry, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("metadata file is not a JSON object: %w", err)
	}
	var entries []aclEntry
	for _, key := range []string{"AccessControlList", "accessControlList"} {
		raw, ok := doc[key]
		if !ok {
			continue
		}
		var list []aclEntry
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fmt.Errorf("%s must be a list of {Name, Type, Access}: %w", key, err)
		}
		entries = append(entries, list...)
	}
	return entries, validateEntries(entries)
}

// parseGlobalACL reads a global ACL file: a JSON array of {keyPrefix,
// aclEntries}.
func parseGlobalACL(data []byte) ([]globalRule, error) {
	var rules []globalRule
	if err := json.Unmarshal(data, &rules); err != nil {
		return nil, fmt.Errorf("global ACL file must be a JSON array of {keyPrefix, aclEntries}: %w", err)
	}
	for i, r := range rules {
		if !strings.HasPrefix(r.KeyPrefix, "s3://") {
			return nil, fmt.Errorf("global ACL rule %d: keyPrefix %q is not an s3:// URI", i, r.KeyPrefix)
		}
		if err := validateEntries(r.ACLEntries); err != nil {
			return nil, fmt.Errorf("global ACL rule %d: %w", i, err)
		}
	}
	return rules, nil
}

func validateEntries(entries []aclEntry) error {
	var errs []error
	for i, e := range entries {
		if e.Name == "" {
			errs = append(errs, fmt.Errorf("ACL entry %d has no Name", i))
		}
		if t := strings.ToUpper(e.Type); t != "USER" && t != "GROUP" {
			errs = append(errs, fmt.Errorf("ACL entry %d: Type %q is neither USER nor GROUP", i, e.Type))
		}
		if a := strings.ToUpper(e.Access); a != "ALLOW" && a != "DENY" {
			errs = append(errs, fmt.Errorf("ACL entry %d: Access %q is neither ALLOW nor DENY", i, e.Access))
		}
	}
	return errors.Join(errs...)
}

// globalEntries returns the entries of every rule whose keyPrefix the
// document's URI starts with.
func globalEntries(rules []globalRule, uri string) []aclEntry {
	var out []aclEntry
	for _, r := range rules {
		if strings.HasPrefix(uri, r.KeyPrefix) {
			out = append(out, r.ACLEntries...)
		}
	}
	return out
}

// aclAllowsSomeone applies deny by default and "deny wins": a document is
// indexed only if some principal is allowed and not also denied. User
// names (emails) compare case-insensitively, group names exactly. A DENY
// of a group cannot cancel a user's ALLOW, because the emulator knows no
// group membership; it is enforced at query time by the real service.
func aclAllowsSomeone(entries []aclEntry) bool {
	key := func(e aclEntry) string {
		t := strings.ToUpper(e.Type)
		if t == "USER" {
			return t + "/" + strings.ToLower(e.Name)
		}
		return t + "/" + e.Name
	}
	allowed := map[string]bool{}
	for _, e := range entries {
		if strings.EqualFold(e.Access, "ALLOW") {
			allowed[key(e)] = true
		}
	}
	for _, e := range entries {
		if strings.EqualFold(e.Access, "DENY") {
			delete(allowed, key(e))
		}
	}
	return len(allowed) > 0
}
