package aclsync

import (
	"slices"
	"strings"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/acl"
)

// layout is what decides which ACL files a KnowledgeBase has: the manifest
// records the one its entries were written for, so that after a change of
// mode, bucket, prefix, metadataPrefix, global file or format, kbwarden
// knows which of its files belong to the old layout and removes them (or
// strips its field from them) before it writes the new one. Old files left
// in force would keep granting whom they granted.
type layout struct {
	Mode           kbv1.AccessControlMode `json:"mode"`
	Bucket         string                 `json:"bucket"`
	Prefix         string                 `json:"prefix"`
	MetadataPrefix string                 `json:"metadataPrefix,omitempty"`
	GlobalFile     string                 `json:"globalFile,omitempty"`
	Format         kbv1.ACLFormat         `json:"format,omitempty"`
	// Retained lists global files of earlier layouts that kbwarden left in
	// place because someone changed them. They are someone's now, but they
	// are still no documents: none ever gets a sidecar.
	Retained []string `json:"retained,omitempty"`
}

// maxRetained bounds Retained; the oldest names go first.
const maxRetained = 16

func layoutOf(t *Target) layout {
	l := layout{Mode: t.Mode, Bucket: t.Bucket, Prefix: t.Prefix, Format: t.Policy.Format()}
	switch t.Mode {
	case kbv1.AccessControlGlobal:
		l.GlobalFile = t.GlobalFile
	case kbv1.AccessControlPerDocument:
		l.MetadataPrefix = t.MetadataPrefix
	}
	return l
}

func (l layout) equal(o layout) bool {
	return l.Mode == o.Mode && l.Bucket == o.Bucket && l.Prefix == o.Prefix && l.MetadataPrefix == o.MetadataPrefix &&
		l.GlobalFile == o.GlobalFile && l.Format == o.Format && slices.Equal(l.Retained, o.Retained)
}

// holds reports whether key is an ACL file of this layout: the global file
// (Global), or the sidecar of a key under Prefix (PerDocument).
func (l layout) holds(key string) bool {
	switch l.Mode {
	case kbv1.AccessControlGlobal:
		return key == l.GlobalFile
	case kbv1.AccessControlPerDocument:
		doc, ok := acl.DocumentKeyOf(key, l.MetadataPrefix)
		return ok && strings.HasPrefix(doc, l.Prefix) && !slices.Contains(l.Retained, key)
	}
	return false
}

// retires reports whether the entry at key, recorded under old (nil for a
// version-1 manifest), is not a file of cur: it lies outside cur's files,
// or in another bucket, or it is a sidecar in another format (the other
// format's field would sit beside the new one).
func retires(key string, old *layout, cur layout) bool {
	if !cur.holds(key) {
		return true
	}
	return old != nil && (old.Bucket != cur.Bucket ||
		old.Mode == kbv1.AccessControlPerDocument && old.Format != cur.Format)
}

// retain adds key to the global files kept out of the documents.
func (l *layout) retain(key string) {
	if slices.Contains(l.Retained, key) {
		return
	}
	l.Retained = append(l.Retained, key)
	if len(l.Retained) > maxRetained {
		l.Retained = l.Retained[len(l.Retained)-maxRetained:]
	}
}
