package acl

import (
	"errors"
	"strings"
)

const (
	// SidecarSuffix ends every sidecar key: the sidecar of docs/a.pdf is
	// docs/a.pdf.metadata.json.
	SidecarSuffix = ".metadata.json"
	// MaxKeyBytes is S3's object key limit. S3 counts the key's UTF-8
	// bytes, not its characters, so a key of 1,024 characters with one
	// accented letter is already too long.
	MaxKeyBytes = 1024
)

// metadataDir turns spec.accessControl.metadataPrefix into the folder that
// mirrors the document tree. A prefix without a trailing slash gets one:
// "metadata" means the folder metadata/, as in the services' examples, not
// keys like metadatadocs/a.pdf.metadata.json.
func metadataDir(metadataPrefix string) string {
	if metadataPrefix != "" && !strings.HasSuffix(metadataPrefix, "/") {
		return metadataPrefix + "/"
	}
	return metadataPrefix
}

// SidecarKey returns the key of the sidecar of the document at docKey: next
// to it when metadataPrefix is empty, else at the same relative path under
// metadataPrefix (metadata/ puts the sidecar of docs/a.pdf at
// metadata/docs/a.pdf.metadata.json; "metadata" without the slash means
// the same folder). It returns a *KeyTooLongError when
// the result exceeds MaxKeyBytes, since S3 would refuse to store it.
func SidecarKey(docKey, metadataPrefix string) (string, error) {
	if docKey == "" {
		return "", errors.New("a document key cannot be empty")
	}
	key := metadataDir(metadataPrefix) + docKey + SidecarSuffix
	if len(key) > MaxKeyBytes {
		return "", &KeyTooLongError{Key: key, Bytes: len(key), Limit: MaxKeyBytes}
	}
	return key, nil
}

// IsSidecarKey reports whether key is a sidecar rather than a document, so
// that a listing pass neither gives sidecars sidecars of their own nor
// counts them as documents. With a metadataPrefix only keys under it count.
func IsSidecarKey(key, metadataPrefix string) bool {
	_, ok := DocumentKeyOf(key, metadataPrefix)
	return ok
}

// DocumentKeyOf returns the key of the document a sidecar belongs to, and
// false when sidecarKey is not a sidecar key for metadataPrefix. It is the
// inverse of SidecarKey, used to find sidecars whose document is gone.
func DocumentKeyOf(sidecarKey, metadataPrefix string) (string, bool) {
	dir := metadataDir(metadataPrefix)
	if len(sidecarKey) <= len(dir)+len(SidecarSuffix) ||
		!strings.HasPrefix(sidecarKey, dir) || !strings.HasSuffix(sidecarKey, SidecarSuffix) {
		return "", false
	}
	return sidecarKey[len(dir) : len(sidecarKey)-len(SidecarSuffix)], true
}
