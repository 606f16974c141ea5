package controllers

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// stepOfFile names the step a source file belongs to, by the file naming
// rule of this package; "" is code every step may use (the pass and its
// reports, condition and error helpers, the drift recorder), and "-" a file
// of another controller (the AccountBinding's), which sets conditions of
// another kind of object.
func stepOfFile(name string) string {
	switch {
	case strings.HasPrefix(name, "accountbinding") || strings.HasPrefix(name, "tenancy_options"):
		return "-"
	case strings.HasPrefix(name, "vectorbucket_report"):
		return "" // the policy step's result type, handed forward
	case strings.HasPrefix(name, "vectorbucket_"):
		return "policy"
	case strings.HasPrefix(name, "versioning"):
		return "versioning"
	case strings.HasPrefix(name, "accesscontrol"):
		return "accessControl"
	case strings.HasPrefix(name, "ingestion"):
		return "ingestion"
	case strings.HasPrefix(name, "preconditions"):
		return "preconditions"
	case name == "finish.go" || name == "knowledgebase_controller.go" || name == "wakeup.go":
		return "reconciler"
	}
	return ""
}

// TestOneOwnerPerConcern checks the package's shape from its source: every
// condition type is set by the files of one step only, and no step's file
// calls a function or method declared in another step's files (results go
// through the pass). Rerun it alone with
//
//	go test ./controllers -run TestOneOwnerPerConcern -v
func TestOneOwnerPerConcern(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	declaredIn := map[string]string{} // function or method name -> step
	parsed := map[string]*ast.File{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		parsed[f] = file
		step := stepOfFile(f)
		if step == "-" {
			delete(parsed, f)
			continue
		}
		for _, d := range file.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && step != "" {
				if prev, dup := declaredIn[fn.Name.Name]; dup && prev != step {
					declaredIn[fn.Name.Name] = "" // a name two steps declare says nothing
					continue
				}
				declaredIn[fn.Name.Name] = step
			}
		}
	}

	setters := map[string]map[string]bool{} // condition -> steps that set it
	for f, file := range parsed {
		step := stepOfFile(f)
		imported := map[string]bool{}
		for _, imp := range file.Imports {
			name := strings.Trim(imp.Path.Value, `"`)
			name = name[strings.LastIndex(name, "/")+1:]
			if imp.Name != nil {
				name = imp.Name.Name
			}
			imported[name] = true
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				name := calleeName(n.Fun, imported)
				// The reconciler builds and runs the steps; a step calls no other.
				if owner := declaredIn[name]; step != "" && step != "reconciler" && owner != "" && owner != step {
					t.Errorf("%s (step %s) calls %s, declared by step %s", fset.Position(n.Pos()), step, name, owner)
				}
				switch name {
				case "markTrue", "markFalse", "markUnknown", "setCondition", "keepTrue", "reportBlocked":
					for _, arg := range n.Args {
						if c := conditionConst(arg); c != "" {
							addSetter(setters, c, stepOrFile(step, f))
						}
					}
				}
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "condition" {
					if c := conditionConst(n.Value); c != "" {
						addSetter(setters, c, stepOrFile(step, f))
					}
				}
			}
			return true
		})
	}
	var conds []string
	for c := range setters {
		conds = append(conds, c)
	}
	sort.Strings(conds)
	for _, c := range conds {
		var by []string
		for s := range setters[c] {
			by = append(by, s)
		}
		sort.Strings(by)
		t.Logf("%s is set by %v", c, by)
		if len(by) != 1 {
			t.Errorf("%s is set by %d steps, want one: %v", c, len(by), by)
		}
	}
	for _, c := range []string{"VectorBucketPolicyInSyncCondition", "VersioningInSyncCondition", "AccessControlInSyncCondition", "IngestionSucceededCondition"} {
		if setters[c] == nil {
			t.Errorf("no step sets %s: the check did not see it", c)
		}
	}
}

func stepOrFile(step, file string) string {
	if step == "" {
		return "shared file " + file
	}
	return step
}

func addSetter(m map[string]map[string]bool, cond, step string) {
	if m[cond] == nil {
		m[cond] = map[string]bool{}
	}
	m[cond][step] = true
}

// calleeName is f for f(...) and x.f(...), and "" for pkg.f(...), a call
// into another package.
func calleeName(e ast.Expr, imported map[string]bool) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		if x, ok := e.X.(*ast.Ident); ok && imported[x.Name] {
			return ""
		}
		return e.Sel.Name
	}
	return ""
}

// conditionConst is the name of a kbv1.XCondition constant, or "".
func conditionConst(e ast.Expr) string {
	if sel, ok := e.(*ast.SelectorExpr); ok && strings.HasSuffix(sel.Sel.Name, "Condition") {
		return sel.Sel.Name
	}
	return ""
}
