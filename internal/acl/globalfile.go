package acl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ParseGlobalFile checks that data is a global ACL file in the shape the
// services read and kbwarden writes: UTF-8 without a byte order mark, one
// JSON array of objects, each with exactly a keyPrefix (a string starting
// with s3://) and aclEntries (a list of Name/Type/Access entries, strictly
// as in a sidecar). An empty array is a valid file (no rules).
//
// kbwarden uses it to decide whether an existing object at globalFile may
// be its own: anything else (a PDF, someone's notes, an object of another
// shape) is never overwritten. It returns an *UnparseableGlobalFileError.
func ParseGlobalFile(data []byte) error {
	switch {
	case bytes.HasPrefix(data, utf8BOM):
		return &UnparseableGlobalFileError{Reason: "it starts with a UTF-8 byte order mark"}
	case !utf8.Valid(data):
		return &UnparseableGlobalFileError{Reason: "it is not valid UTF-8"}
	case !json.Valid(data):
		return &UnparseableGlobalFileError{Reason: "it is not valid JSON"}
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(data, &elems); err != nil || elems == nil {
		return &UnparseableGlobalFileError{Reason: "it is not a JSON array"}
	}
	for i, raw := range elems {
		if err := globalElementOK(raw); err != nil {
			return &UnparseableGlobalFileError{Reason: fmt.Sprintf("element %d: %s", i, err)}
		}
	}
	return nil
}

// globalElementOK checks one element of a global file.
func globalElementOK(raw json.RawMessage) error {
	obj, err := decodeObject(raw)
	if err != nil {
		return err
	}
	if len(obj) != 2 {
		return fmt.Errorf("it has members other than keyPrefix and aclEntries")
	}
	var prefix string
	if err := json.Unmarshal(obj["keyPrefix"], &prefix); err != nil || !strings.HasPrefix(prefix, "s3://") {
		return fmt.Errorf("keyPrefix is not an s3:// string")
	}
	entries, ok := obj["aclEntries"]
	if !ok {
		return fmt.Errorf("aclEntries is missing")
	}
	_, err = decodeACL("aclEntries", entries)
	return err
}

// UnparseableGlobalFileError says that an object is not a global ACL file
// (see ParseGlobalFile), so kbwarden must not overwrite or delete it.
type UnparseableGlobalFileError struct {
	// Reason says what is wrong.
	Reason string
}

// Error describes the problem.
func (e *UnparseableGlobalFileError) Error() string {
	return "not a global ACL file: " + e.Reason
}
