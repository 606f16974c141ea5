package main

import (
	"testing"

	"github.com/kbwarden/kbwarden/test/quickemu"
)

func TestParseKB(t *testing.T) {
	cases := map[string]struct {
		in   string
		want quickemu.KnowledgeBase
		err  bool
	}{
		"per document with a metadata folder": {
			in:   "account=123456789012,id=hr,bucket=docs,prefix=hr/,acl=PerDocument,metadata-prefix=meta/,schedule=DAILY",
			want: quickemu.KnowledgeBase{AccountID: "123456789012", ID: "hr", Bucket: "docs", Prefix: "hr/", AccessControl: quickemu.ACLPerDocument, MetadataPrefix: "meta/", Schedule: &quickemu.Schedule{Interval: "DAILY"}},
		},
		"global":      {in: "account=123456789012,id=g,bucket=b,acl=Global,global-acl=acl.json", want: quickemu.KnowledgeBase{AccountID: "123456789012", ID: "g", Bucket: "b", AccessControl: quickemu.ACLGlobal, GlobalACLFile: "acl.json"}},
		"unknown key": {in: "account=1,id=x,bucket=b,colour=red", err: true},
		"not k=v":     {in: "account", err: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := parseKB(tc.in)
			if (err != nil) != tc.err {
				t.Fatalf("err %v, want error %v", err, tc.err)
			}
			if tc.err {
				return
			}
			if got.Schedule != nil && tc.want.Schedule != nil && *got.Schedule == *tc.want.Schedule {
				got.Schedule, tc.want.Schedule = nil, nil
			}
			if got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
