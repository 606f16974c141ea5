package acl

import "fmt"

// SpecError says that the declared access control cannot be compiled. The
// reconciler treats it as terminal (Stalled): retrying cannot help until the
// spec changes.
type SpecError struct {
	// Field is the offending field, relative to spec.accessControl, for
	// example rules[2].allow[0].
	Field string
	// Reason says what is wrong, in words a user can act on.
	Reason string
}

// Error returns "spec.accessControl.<field>: <reason>".
func (e *SpecError) Error() string {
	if e.Field == "" {
		return "spec.accessControl: " + e.Reason
	}
	return "spec.accessControl." + e.Field + ": " + e.Reason
}

// UnparseableSidecarError says that an existing sidecar is not a JSON object
// kbwarden can edit without changing the meaning of what it does not own
// (invalid JSON or UTF-8, a byte order mark, not an object, a repeated
// key). The caller must leave such a sidecar alone and report it: it was
// written by somebody else, and overwriting it would destroy their data.
type UnparseableSidecarError struct {
	// Reason says what is wrong with the sidecar.
	Reason string
	// Err is the underlying decoding error, if any.
	Err error
}

// Error describes the problem.
func (e *UnparseableSidecarError) Error() string {
	if e.Err != nil {
		return "existing sidecar is unparseable: " + e.Reason + ": " + e.Err.Error()
	}
	return "existing sidecar is unparseable: " + e.Reason
}

// Unwrap returns the underlying decoding error.
func (e *UnparseableSidecarError) Unwrap() error { return e.Err }

// SidecarConflictError says that an existing sidecar holds a key that
// differs from the ACL key kbwarden owns only by case, typically the other
// format's key (accessControlList in a Quick sidecar, or AccessControlList in
// a BedrockManaged one). kbwarden does not touch such a sidecar: adding its
// own key beside it would leave two ACLs whose precedence depends on the
// reader, and removing the other one would delete data it does not own.
type SidecarConflictError struct {
	// Found is the key present in the sidecar.
	Found string
	// Want is the ACL key of the configured format.
	Want string
}

// Error describes the conflict and the likely cause.
func (e *SidecarConflictError) Error() string {
	return fmt.Sprintf("existing sidecar has key %q where the configured format uses %q; "+
		"is spec.accessControl.format wrong? kbwarden leaves this sidecar alone", e.Found, e.Want)
}

// MalformedACLError says that a sidecar's ACL field, which kbwarden owns, is
// present but is not a list of valid entries. ParseSidecarACL returns it;
// RenderSidecar simply replaces the field.
type MalformedACLError struct {
	// Field is the sidecar key holding the ACL.
	Field string
	// Reason says what is wrong.
	Reason string
}

// Error describes the problem.
func (e *MalformedACLError) Error() string {
	return fmt.Sprintf("sidecar field %s is malformed: %s", e.Field, e.Reason)
}

// SidecarTooLargeError says that a sidecar would exceed the service's size
// limit. The service skips such a sidecar silently, so kbwarden refuses to
// write it and reports it instead.
type SidecarTooLargeError struct {
	// Size is the size of the rendered sidecar in bytes.
	Size int
	// Limit is the largest size the service reads, in bytes.
	Limit int
}

// Error describes the problem.
func (e *SidecarTooLargeError) Error() string {
	return fmt.Sprintf("sidecar would be %d bytes, over the %d-byte limit the service reads "+
		"(it would skip the file silently)", e.Size, e.Limit)
}

// KeyTooLongError says that a sidecar's key would exceed S3's object key
// limit, so the sidecar cannot be written at all.
type KeyTooLongError struct {
	// Key is the sidecar key that is too long.
	Key string
	// Bytes is its length in UTF-8 bytes, which is what S3 counts.
	Bytes int
	// Limit is S3's limit in bytes.
	Limit int
}

// Error describes the problem without repeating a 1 KB key in full.
func (e *KeyTooLongError) Error() string {
	k := e.Key
	if len(k) > 64 {
		k = k[:64] + "..."
	}
	return fmt.Sprintf("sidecar key %q is %d bytes, over S3's %d-byte key limit", k, e.Bytes, e.Limit)
}
