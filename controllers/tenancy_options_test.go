package controllers

import (
	"testing"

	"github.com/onsi/gomega"
)

func TestTenancyOptions(t *testing.T) {
	g := gomega.NewWithT(t)
	for _, s := range []string{"Required", "Optional"} {
		m, err := ParseTenancyMode(s)
		g.Expect(err).NotTo(gomega.HaveOccurred())
		g.Expect(string(m)).To(gomega.Equal(s))
	}
	_, err := ParseTenancyMode("required")
	g.Expect(err).To(gomega.MatchError(gomega.ContainSubstring("Required or Optional")))

	g.Expect(TenancyOptions{}.Required()).To(gomega.BeTrue(), "the zero value is the safe one")
	g.Expect(TenancyOptions{Mode: TenancyRequired}.Warnings()).To(gomega.BeEmpty())
	g.Expect(TenancyOptions{Mode: TenancyOptional, AllowedBuckets: BucketAllowList{"kb-*"}}.Warnings()).To(gomega.BeEmpty())
	g.Expect(TenancyOptions{Mode: TenancyOptional}.Warnings()).To(gomega.ConsistOf(gomega.ContainSubstring("empty --allowed-buckets")))
}
