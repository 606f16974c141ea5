package awsclient

import (
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	. "github.com/onsi/gomega"
)

// STS's documented constraints.
var (
	sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
	tagValueRE    = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$`)
)

func TestSessionName(t *testing.T) {
	long := strings.Repeat("n", 63)
	cases := map[string]struct {
		id   Identity
		want string
	}{
		"namespace and KnowledgeBase": {Identity{Namespace: "team-a", KnowledgeBase: "docs"}, "kbwarden-team-a.docs"},
		"a binding's verification":    {Identity{Binding: "team-a-dev"}, "kbwarden-binding-team-a-dev"},
		"characters STS refuses":      {Identity{Namespace: "tëam a", KnowledgeBase: "x/y"}, "kbwarden-t-am-a.x-y"},
		"too long":                    {Identity{Namespace: long, KnowledgeBase: long}, ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			got := tc.id.SessionName()
			g.Expect(got).To(MatchRegexp(sessionNameRE.String()))
			if strings.HasSuffix(name, "too long") {
				g.Expect(got).To(HaveLen(64))
				g.Expect(got).To(HavePrefix("kbwarden-" + long[:46] + "-"))
				other := Identity{Namespace: long, KnowledgeBase: long + "x"}.SessionName()
				g.Expect(other).NotTo(Equal(got), "the hash keeps long names apart")
				return
			}
			g.Expect(got).To(Equal(tc.want))
		})
	}
}

func TestTags(t *testing.T) {
	g := NewWithT(t)
	tags := map[string]string{}
	for _, tag := range teamA.Tags() {
		tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	g.Expect(tags).To(Equal(map[string]string{TagAccountBinding: "team-a-dev", TagNamespace: "team-a", TagKnowledgeBase: "docs"}))
	g.Expect(Identity{Binding: "team-a-dev", RoleARN: teamARole}.Tags()).To(HaveLen(1), "a binding's verification is tagged with the binding only")
}

func FuzzIdentityForSTS(f *testing.F) {
	f.Add("team-a-dev", "team-a", "docs")
	f.Add("", "", "")
	f.Add("b", strings.Repeat("é", 100), "\xff")
	f.Fuzz(func(t *testing.T, binding, namespace, kb string) {
		id := Identity{Binding: binding, Namespace: namespace, KnowledgeBase: kb}
		if name := id.SessionName(); !sessionNameRE.MatchString(name) {
			t.Fatalf("session name %q breaks STS's constraints", name)
		}
		for _, tag := range id.Tags() {
			if v := aws.ToString(tag.Value); !tagValueRE.MatchString(v) {
				t.Fatalf("tag %s=%q breaks STS's constraints", aws.ToString(tag.Key), v)
			}
		}
	})
}
