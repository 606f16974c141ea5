package acl

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/kbwarden/kbwarden/api/v1alpha1"
)

const (
	// QuickACLField is the sidecar key kbwarden owns in the Quick format.
	QuickACLField = "AccessControlList"
	// BedrockACLField is the sidecar key kbwarden owns in the BedrockManaged
	// format.
	BedrockACLField = "accessControlList"

	// MaxSidecarBytes is the largest sidecar the services read. Bedrock
	// documents 10 KB; Quick documents no limit, so the same one is used
	// rather than writing files no service is known to accept.
	MaxSidecarBytes = 10 * 1024
	// MaxSidecarBytesS3Vectors is the largest sidecar a Bedrock managed
	// knowledge base reads when its vector store is S3 Vectors.
	MaxSidecarBytesS3Vectors = 1024
)

// aclField returns the one sidecar key kbwarden owns in format.
func aclField(format v1alpha1.ACLFormat) (string, error) {
	switch format {
	case v1alpha1.ACLFormatQuick, "":
		return QuickACLField, nil
	case v1alpha1.ACLFormatBedrockManaged:
		return BedrockACLField, nil
	}
	return "", &SpecError{Field: "format", Reason: fmt.Sprintf("unknown ACL format %q (want Quick or BedrockManaged)", format)}
}

// SidecarSizeLimit returns the size limit for sidecars of format when the
// knowledge base's vectors live in a bucket of vectorType. Only the Bedrock
// managed format with an S3 Vectors store has the smaller limit.
func SidecarSizeLimit(format v1alpha1.ACLFormat, vectorType v1alpha1.VectorBucketType) int {
	if format == v1alpha1.ACLFormatBedrockManaged && vectorType == v1alpha1.VectorBucketS3Vectors {
		return MaxSidecarBytesS3Vectors
	}
	return MaxSidecarBytes
}

// RenderSidecar returns the sidecar a document should have, given the
// sidecar that exists (nil when there is none; an empty non-nil slice is an
// existing empty file, which is unparseable) and the document's ACL.
//
// kbwarden owns only the format's ACL key (AccessControlList for Quick,
// accessControlList for BedrockManaged). Every other key of an existing
// sidecar, unknown ones included, keeps its exact JSON value. Because every
// field present must be non-empty, an empty ACL removes the key instead of
// writing []; a sidecar that held nothing else becomes {}, which the caller
// may write or delete (only the caller knows whether kbwarden created the
// file). Output is compact JSON with keys in byte order, UTF-8 without
// a byte order mark.
//
// changed is semantic: it is false when the existing ACL key already holds
// the same entries in any order or formatting, with user names compared
// case-insensitively, so a steady-state pass writes nothing. When there is
// no sidecar and the ACL is empty there is nothing to write: out is nil and
// changed is false. When changed is false, out is still the canonical form
// of the sidecar (nil aside), but it need not be written.
//
// limit is the size limit in bytes (see SidecarSizeLimit); zero or less
// means MaxSidecarBytes. A result over the limit is a *SidecarTooLargeError
// even when unchanged, because the service skips such a file silently.
// Other errors: *UnparseableSidecarError and *SidecarConflictError (leave
// the sidecar alone and report it) and *SpecError (a bad format or a group
// entry in a BedrockManaged ACL).
func RenderSidecar(existing []byte, acl ACL, format v1alpha1.ACLFormat, limit int) (out []byte, changed bool, err error) {
	field, err := aclField(format)
	if err != nil {
		return nil, false, err
	}
	want := NewACL(acl...)
	if format == v1alpha1.ACLFormatBedrockManaged {
		for _, e := range want {
			if e.Type != User {
				return nil, false, &SpecError{Reason: fmt.Sprintf("format BedrockManaged accepts only users; %q is a %s", e.Name, e.Type)}
			}
		}
	}
	if limit <= 0 {
		limit = MaxSidecarBytes
	}
	obj := object{}
	same := len(want) == 0 // no sidecar and nothing to say
	if existing != nil {
		if obj, err = sidecarObject(existing, field); err != nil {
			return nil, false, err
		}
		raw, present := obj[field]
		if present {
			// A malformed ACL is ours to replace, so its error only means "changed".
			cur, err := decodeACL(field, raw)
			same = err == nil && len(want) > 0 && slices.Equal(cur, want)
		} else {
			same = len(want) == 0
		}
	} else if len(want) == 0 {
		return nil, false, nil
	}
	if len(want) == 0 {
		delete(obj, field)
	} else {
		obj[field] = marshalNoEscape(want)
	}
	out = obj.encode()
	if len(out) > limit {
		return nil, false, &SidecarTooLargeError{Size: len(out), Limit: limit}
	}
	return out, !same, nil
}

// ParseSidecarACL returns the ACL a sidecar currently holds, normalised like
// NewACL, for drift detection. nil data (no sidecar) and a sidecar without
// the format's ACL key both give an empty ACL. Errors are
// *UnparseableSidecarError, *SidecarConflictError, *MalformedACLError (the
// key is present but does not hold a list of valid entries) and *SpecError
// (an unknown format).
func ParseSidecarACL(data []byte, format v1alpha1.ACLFormat) (ACL, error) {
	field, err := aclField(format)
	if err != nil {
		return nil, err
	}
	if data == nil {
		return nil, nil
	}
	obj, err := sidecarObject(data, field)
	if err != nil {
		return nil, err
	}
	raw, ok := obj[field]
	if !ok {
		return nil, nil
	}
	return decodeACL(field, raw)
}

// sidecarObject parses an existing sidecar and refuses one that holds a key
// equal to field except for case (see SidecarConflictError).
func sidecarObject(data []byte, field string) (object, error) {
	obj, err := parseSidecarObject(data)
	if err != nil {
		return nil, err
	}
	for k := range obj {
		if k != field && strings.EqualFold(k, field) {
			return nil, &SidecarConflictError{Found: k, Want: field}
		}
	}
	return obj, nil
}

// decodeACL decodes the value of the ACL key strictly: an array of objects
// with exactly the string members Name, Type and Access, spelled as the
// services spell them. Anything else is not what kbwarden would write, so
// it is reported rather than half-understood.
func decodeACL(field string, raw json.RawMessage) (ACL, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil || items == nil {
		return nil, &MalformedACLError{Field: field, Reason: "it is not a JSON array"}
	}
	entries := make([]Entry, 0, len(items))
	for i, item := range items {
		e, err := decodeEntry(item)
		if err != nil {
			return nil, &MalformedACLError{Field: field, Reason: fmt.Sprintf("entry %d: %s", i, err)}
		}
		entries = append(entries, e)
	}
	return NewACL(entries...), nil
}

func decodeEntry(raw json.RawMessage) (Entry, error) {
	obj, err := decodeObject(raw)
	if err != nil {
		return Entry{}, err
	}
	str := func(k string) (string, error) {
		v, ok := obj[k]
		if !ok {
			return "", fmt.Errorf("%s is missing", k)
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", fmt.Errorf("%s is not a string", k)
		}
		return s, nil
	}
	var e Entry
	var typ, access string
	if e.Name, err = str("Name"); err != nil {
		return Entry{}, err
	}
	if typ, err = str("Type"); err != nil {
		return Entry{}, err
	}
	if access, err = str("Access"); err != nil {
		return Entry{}, err
	}
	e.Type, e.Access = EntryType(typ), Access(access)
	switch {
	case len(obj) != 3:
		return Entry{}, fmt.Errorf("it has members other than Name, Type and Access")
	case e.Name == "":
		return Entry{}, fmt.Errorf("Name is empty")
	case e.Type != User && e.Type != Group:
		return Entry{}, fmt.Errorf("Type %q is neither USER nor GROUP", typ)
	case e.Access != Allow && e.Access != Deny:
		return Entry{}, fmt.Errorf("Access %q is neither ALLOW nor DENY", access)
	}
	return e, nil
}
