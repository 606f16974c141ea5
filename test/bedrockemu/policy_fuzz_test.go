package bedrockemu

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzParsePolicy checks that the parser never panics, that evaluating
// whatever it accepts never panics, and that what it accepts survives a
// round trip: rendering the parsed policy back to JSON and parsing that
// gives the same Policy, so nothing is silently dropped or reinterpreted.
//
//	go test -run '^$' -fuzz FuzzParsePolicy -fuzztime 30s ./test/bedrockemu/
func FuzzParsePolicy(f *testing.F) {
	for _, seed := range []string{
		correctedPolicy("vec"), faultyPolicy("vec"),
		stmt(allowBedrock + `, "NotAction": ["s3:Delete*"], "Condition": {"ForAllValues:StringLike": {"aws:TagKeys": ["a*", 1, true]}}`),
		stmt(`"Effect": "Deny", "NotPrincipal": {"AWS": ["arn:aws:iam::1:root"], "Service": "x"}, "Action": "*", "NotResource": []`),
		`{"Statement": []}`, `{"Statement": {}}`, `{"Version": null, "Statement": [null]}`, `[]`, `"x"`, ``,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		p, err := ParsePolicy(doc)
		if err != nil {
			return
		}
		r := bedrockPut()
		_ = p.Evaluate(r)
		r.Context = nil
		_ = p.Evaluate(r)
		rendered := renderPolicy(p)
		again, err := ParsePolicy(rendered)
		if err != nil {
			t.Fatalf("re-parsing the rendered policy: %v\ninput: %q\nrendered: %s", err, doc, rendered)
		}
		if !reflect.DeepEqual(p, again) {
			t.Fatalf("round trip changed the policy\ninput: %q\nfirst:  %#v\nsecond: %#v", doc, p, again)
		}
	})
}

// renderPolicy writes a parsed policy back in the policy grammar, always
// in its most explicit form (arrays, objects).
func renderPolicy(p *Policy) string {
	var sts []map[string]any
	for _, st := range p.Statements {
		m := map[string]any{"Effect": st.Effect}
		if st.Sid != "" {
			m["Sid"] = st.Sid
		}
		principal := func(pr *Principal) any {
			if pr.Any {
				return "*"
			}
			return pr.IDs
		}
		if st.Principal != nil {
			m["Principal"] = principal(st.Principal)
		}
		if st.NotPrincipal != nil {
			m["NotPrincipal"] = principal(st.NotPrincipal)
		}
		if st.NotActions != nil {
			m["NotAction"] = st.NotActions
		} else {
			m["Action"] = nonNil(st.Actions)
		}
		if st.NotResources != nil {
			m["NotResource"] = st.NotResources
		} else if st.HasResource {
			m["Resource"] = nonNil(st.Resources)
		}
		if st.Conditions != nil {
			cond := map[string]map[string][]string{}
			for _, c := range st.Conditions {
				if cond[c.Operator] == nil {
					cond[c.Operator] = map[string][]string{}
				}
				cond[c.Operator][c.Key] = nonNil(c.Values)
			}
			m["Condition"] = cond
		}
		sts = append(sts, m)
	}
	top := map[string]any{"Statement": nonNilStatements(sts)}
	if p.Version != "" {
		top["Version"] = p.Version
	}
	if p.ID != "" {
		top["Id"] = p.ID
	}
	data, err := json.Marshal(top)
	if err != nil {
		panic(err)
	}
	return string(data)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilStatements(s []map[string]any) []map[string]any {
	if s == nil {
		return []map[string]any{}
	}
	return s
}
