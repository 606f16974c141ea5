package quickemu

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// aclEntry is one ACL entry as Quick's files spell it.
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

// sidecarACLField is the sidecar member holding a document's ACL.
const sidecarACLField = "AccessControlList"

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// The parsers read member names exactly, as a strict reader would:
// encoding/json alone would also take "name" for "Name" and hide a
// misspelt file that the service would ignore. They are this package's own,
// independent of internal/acl, so a bug in kbwarden's writer cannot be
// hidden by the same bug in the reader.

// parseGlobalACL reads a global ACL file: a JSON array of {keyPrefix,
// aclEntries}, UTF-8 without a byte order mark. Each keyPrefix is an
// s3://bucket/prefix URI.
func parseGlobalACL(data []byte) ([]globalRule, error) {
	if err := checkEncoding(data); err != nil {
		return nil, err
	}
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("a global ACL file is a JSON array of {keyPrefix, aclEntries}: %w", err)
	}
	rules := make([]globalRule, 0, len(raw))
	for i, obj := range raw {
		if obj == nil {
			return nil, fmt.Errorf("rule %d is not an object", i)
		}
		var prefix string
		if err := exactString(obj, "keyPrefix", &prefix); err != nil {
			return nil, fmt.Errorf("rule %d: %w", i, err)
		}
		rest, ok := strings.CutPrefix(prefix, "s3://")
		if !ok || rest == "" || strings.HasPrefix(rest, "/") {
			return nil, fmt.Errorf("rule %d: keyPrefix %q is not an s3://bucket/prefix URI", i, prefix)
		}
		entriesRaw, ok := obj["aclEntries"]
		if !ok {
			return nil, fmt.Errorf("rule %d: aclEntries is missing", i)
		}
		entries, err := parseEntries(entriesRaw)
		if err != nil {
			return nil, fmt.Errorf("rule %d: %w", i, err)
		}
		rules = append(rules, globalRule{KeyPrefix: prefix, ACLEntries: entries})
	}
	return rules, nil
}

// parseSidecar reads a document's metadata file and returns its
// AccessControlList. present is false when the file has none. A file
// that is not a JSON object, carries a byte order mark, or holds an empty
// or malformed AccessControlList is an error: the guide says any field
// present must not be empty.
func parseSidecar(data []byte) (entries []aclEntry, present bool, err error) {
	if err := checkEncoding(data); err != nil {
		return nil, false, err
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil || obj == nil {
		if err == nil {
			err = errors.New("null")
		}
		return nil, false, fmt.Errorf("a metadata file is a JSON object: %w", err)
	}
	raw, ok := obj[sidecarACLField]
	if !ok {
		return nil, false, nil
	}
	entries, err = parseEntries(raw)
	if err != nil {
		return nil, true, fmt.Errorf("%s: %w", sidecarACLField, err)
	}
	if len(entries) == 0 {
		return nil, true, fmt.Errorf("%s is present but empty", sidecarACLField)
	}
	return entries, true, nil
}

func checkEncoding(data []byte) error {
	if bytes.HasPrefix(data, utf8BOM) {
		return errors.New("the file starts with a UTF-8 byte order mark")
	}
	if !utf8.Valid(data) {
		return errors.New("the file is not valid UTF-8")
	}
	return nil
}

func parseEntries(raw json.RawMessage) ([]aclEntry, error) {
	var objs []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &objs); err != nil {
		return nil, fmt.Errorf("ACL entries are a list of {Name, Type, Access}: %w", err)
	}
	entries := make([]aclEntry, 0, len(objs))
	for i, obj := range objs {
		if obj == nil {
			return nil, fmt.Errorf("entry %d is not an object", i)
		}
		var e aclEntry
		for _, f := range []struct {
			name string
			dst  *string
		}{{"Name", &e.Name}, {"Type", &e.Type}, {"Access", &e.Access}} {
			if err := exactString(obj, f.name, f.dst); err != nil {
				return nil, fmt.Errorf("entry %d: %w", i, err)
			}
		}
		switch {
		case e.Name == "":
			return nil, fmt.Errorf("entry %d: Name is empty", i)
		case e.Type != "USER" && e.Type != "GROUP":
			return nil, fmt.Errorf("entry %d: Type %q is neither USER nor GROUP", i, e.Type)
		case e.Access != "ALLOW" && e.Access != "DENY":
			return nil, fmt.Errorf("entry %d: Access %q is neither ALLOW nor DENY", i, e.Access)
		}
		entries = append(entries, e)
	}
	return entries, nil
}

func exactString(obj map[string]json.RawMessage, key string, dst *string) error {
	raw, ok := obj[key]
	if !ok {
		return fmt.Errorf("%s is missing", key)
	}
	if err := json.Unmarshal(raw, dst); err != nil || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return fmt.Errorf("%s is not a string", key)
	}
	return nil
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

// canRetrieve applies Quick's rules to one principal: it can retrieve a
// document that an entry allows (its user, by email compared without
// case, or one of its groups, by exact name) unless an entry denies it:
// deny wins over allow.
func canRetrieve(entries []aclEntry, user string, groups []string) bool {
	matches := func(e aclEntry) bool {
		if e.Type == "USER" {
			return user != "" && strings.EqualFold(e.Name, user)
		}
		return slices.Contains(groups, e.Name)
	}
	allowed := false
	for _, e := range entries {
		if !matches(e) {
			continue
		}
		if e.Access == "DENY" {
			return false
		}
		allowed = true
	}
	return allowed
}
