package acl

import (
	"errors"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
)

func TestSidecarKey(t *testing.T) {
	tests := []struct {
		doc, metadataPrefix, want string
	}{
		{"docs/a.pdf", "", "docs/a.pdf.metadata.json"},
		{"a.pdf", "", "a.pdf.metadata.json"},
		{"docs/a.pdf", "metadata/", "metadata/docs/a.pdf.metadata.json"},
		{"docs/a.pdf", "metadata", "metadata/docs/a.pdf.metadata.json"},
		{"docs/a.pdf", "meta/data/", "meta/data/docs/a.pdf.metadata.json"},
		{"docs/résumé é.pdf", "", "docs/résumé é.pdf.metadata.json"},
	}
	for _, tt := range tests {
		t.Run(tt.doc+"|"+tt.metadataPrefix, func(t *testing.T) {
			g := NewWithT(t)
			got, err := SidecarKey(tt.doc, tt.metadataPrefix)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got).To(Equal(tt.want))
			g.Expect(IsSidecarKey(got, tt.metadataPrefix)).To(BeTrue())
			doc, ok := DocumentKeyOf(got, tt.metadataPrefix)
			g.Expect(ok).To(BeTrue())
			g.Expect(doc).To(Equal(tt.doc), "DocumentKeyOf inverts SidecarKey")
		})
	}
}

func TestSidecarKeyLength(t *testing.T) {
	g := NewWithT(t)
	room := MaxKeyBytes - len(SidecarSuffix)

	key, err := SidecarKey(strings.Repeat("a", room), "")
	g.Expect(err).NotTo(HaveOccurred(), "exactly 1,024 bytes is allowed")
	g.Expect(key).To(HaveLen(MaxKeyBytes))

	_, err = SidecarKey(strings.Repeat("a", room+1), "")
	var tl *KeyTooLongError
	g.Expect(errors.As(err, &tl)).To(BeTrue(), "got %v", err)
	g.Expect(tl.Bytes).To(Equal(MaxKeyBytes + 1))
	g.Expect(tl.Limit).To(Equal(MaxKeyBytes))
	g.Expect(len(err.Error())).To(BeNumerically("<", 200), "the message does not repeat the whole key")

	// S3 counts UTF-8 bytes: é is two bytes, so this key has fewer than
	// 1,024 characters but more than 1,024 bytes.
	doc := strings.Repeat("a", room-1) + "é"
	_, err = SidecarKey(doc, "")
	g.Expect(errors.As(err, &tl)).To(BeTrue(), "got %v", err)
	g.Expect(tl.Bytes).To(Equal(MaxKeyBytes + 1))

	_, err = SidecarKey(strings.Repeat("a", room-8), "metadata/")
	g.Expect(errors.As(err, &tl)).To(BeTrue(), "the metadata prefix counts too")

	_, err = SidecarKey("", "")
	g.Expect(err).To(HaveOccurred())
}

func TestIsSidecarKey(t *testing.T) {
	tests := []struct {
		key, metadataPrefix string
		doc                 string // empty: not a sidecar
	}{
		{"docs/a.pdf.metadata.json", "", "docs/a.pdf"},
		{"docs/a.pdf", "", ""},
		{".metadata.json", "", ""},
		{"docs/a.metadata.jsonx", "", ""},
		{"metadata/docs/a.pdf.metadata.json", "metadata/", "docs/a.pdf"},
		{"metadata/docs/a.pdf.metadata.json", "metadata", "docs/a.pdf"},
		{"docs/a.pdf.metadata.json", "metadata/", ""},
		{"metadata/.metadata.json", "metadata/", ""},
		{"metadatax/a.metadata.json", "metadata", ""},
		{"acl/acl.json", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.key+"|"+tt.metadataPrefix, func(t *testing.T) {
			g := NewWithT(t)
			doc, ok := DocumentKeyOf(tt.key, tt.metadataPrefix)
			g.Expect(ok).To(Equal(tt.doc != ""))
			g.Expect(doc).To(Equal(tt.doc))
			g.Expect(IsSidecarKey(tt.key, tt.metadataPrefix)).To(Equal(tt.doc != ""))
		})
	}
}
