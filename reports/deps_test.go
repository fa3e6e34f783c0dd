package reports

import (
	"bufio"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The renderers read the Report only: reports, and every package of the
// module it imports (analyzer/result, analyzer/diff, ...), must not pull in
// the analysis pipeline, the cloud plug-ins, the rules engine or OPA. The
// check reads the import lists of the non-test .go files with go/parser
// (all of them, whatever their build constraints), from the module root,
// and follows the imports that stay inside the module; nothing is built
// and the go command is not run.

// forbiddenDeps are the packages, relative to the module path, that reports
// must not depend on; forbiddenPrefixes are outside the module.
var (
	forbiddenDeps = []string{
		"analyzer",
		"analyzer/awscloud",
		"analyzer/gcpcloud",
		"analyzer/azurecloud",
		"analyzer/rules",
	}
	forbiddenPrefixes = []string{"github.com/open-policy-agent/"}
)

// moduleRoot is the directory holding go.mod (the parent of reports), and
// the module path it declares.
func moduleRoot(t *testing.T) (dir, module string) {
	t.Helper()
	dir, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return dir, strings.Trim(strings.TrimSpace(m), `"`)
		}
	}
	t.Fatal("go.mod declares no module")
	return "", ""
}

// packageImports lists the imports of the non-test .go files of the
// package in dir.
func packageImports(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	fset := token.NewFileSet()
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			p, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				t.Fatal(err)
			}
			seen[p] = true
		}
	}
	var out []string
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// forbiddenReached walks the imports from the module package start (a path
// relative to the module) and returns, for every forbidden package reached,
// the chain of imports that reaches it; it walks on through forbidden
// packages of the module, so that all of them are named.
func forbiddenReached(t *testing.T, start string) map[string][]string {
	t.Helper()
	root, module := moduleRoot(t)
	forbidden := map[string]bool{}
	for _, p := range forbiddenDeps {
		forbidden[module+"/"+p] = true
	}
	isForbidden := func(p string) bool {
		if forbidden[p] {
			return true
		}
		for _, prefix := range forbiddenPrefixes {
			if strings.HasPrefix(p, prefix) {
				return true
			}
		}
		return false
	}
	found := map[string][]string{}
	from := map[string]string{}
	startPath := module + "/" + start
	queue := []string{startPath}
	visited := map[string]bool{startPath: true}
	chain := func(p string) []string {
		var c []string
		for ; p != ""; p = from[p] {
			c = append([]string{p}, c...)
		}
		return c
	}
	for len(queue) > 0 {
		pkg := queue[0]
		queue = queue[1:]
		rel := strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")
		for _, imp := range packageImports(t, filepath.Join(root, filepath.FromSlash(rel))) {
			if visited[imp] {
				continue
			}
			visited[imp] = true
			from[imp] = pkg
			if isForbidden(imp) {
				found[imp] = chain(imp)
			}
			if imp == module || strings.HasPrefix(imp, module+"/") {
				queue = append(queue, imp)
			}
		}
	}
	return found
}

// TestReportsDoNotImportThePipeline: reports reaches analyzer/result, not
// the analyzer pipeline, its cloud plug-ins, the rules engine or OPA
// (issue 15, item 5).
func TestReportsDoNotImportThePipeline(t *testing.T) {
	for _, start := range []string{"reports", "analyzer/result"} {
		found := forbiddenReached(t, start)
		var names []string
		for p := range found {
			names = append(names, p)
		}
		sort.Strings(names)
		for _, p := range names {
			t.Errorf("%s depends on %s: %s", start, p, strings.Join(found[p], " -> "))
		}
	}
}

// TestDepsCheckSeesThePipeline proves the walk finds what it looks for:
// the analyzer package itself reaches the rules engine and OPA.
func TestDepsCheckSeesThePipeline(t *testing.T) {
	found := forbiddenReached(t, "analyzer")
	_, module := moduleRoot(t)
	if _, ok := found[module+"/analyzer/rules"]; !ok {
		t.Errorf("the walk from analyzer does not reach analyzer/rules: %v", found)
	}
	opa := false
	for p := range found {
		if strings.HasPrefix(p, "github.com/open-policy-agent/") {
			opa = true
		}
	}
	if !opa {
		t.Errorf("the walk from analyzer does not reach OPA: %v", found)
	}
}
