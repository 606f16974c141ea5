package aclsync

import (
	"encoding/hex"
	"strings"
)

// compactETag stores the ETag S3 gives a single-part upload (the quoted
// hex MD5 of the content, 34 bytes) as a marker byte and the 16 raw bytes.
// A pass holds an ETag for every listed object and every manifest entry, so
// this takes a sixth off the memory of a pass at 100,000 documents. Other
// ETags (multipart uploads, other servers) are kept as they are. Every ETag
// that enters the package goes through it; expandETag restores the form S3
// and the manifest file use.
func compactETag(s string) string {
	if len(s) == 17 && s[0] == 0 {
		return s
	}
	hexPart := strings.Trim(s, `"`)
	if len(hexPart) != 32 || strings.ToLower(hexPart) != hexPart {
		return s
	}
	var raw [17]byte
	if _, err := hex.Decode(raw[1:], []byte(hexPart)); err != nil {
		return s
	}
	return string(raw[:])
}

// expandETag returns the quoted form of an ETag compactETag stored.
func expandETag(s string) string {
	if len(s) == 17 && s[0] == 0 {
		return `"` + hex.EncodeToString([]byte(s[1:])) + `"`
	}
	return s
}

// sameETag compares two ETags in any of their forms; an empty one matches
// nothing.
func sameETag(a, b string) bool {
	return a != "" && b != "" && strings.Trim(expandETag(a), `"`) == strings.Trim(expandETag(b), `"`)
}
