package rego

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
	"github.com/open-policy-agent/opa/v1/util"
	"gopkg.in/yaml.v3"
)

// The Rego side is checked in two ways:
//
//   - TestRegoUnitTests runs every embedded *_test.rego (the test_ rules
//     beside each rule and the library) with the library, the rules and the
//     default data, as `opa test` would.
//   - TestRuleMetadata checks that each rule package carries the METADATA the
//     engine and the reports rely on.

const (
	testRulesPackage = "data.imagewarden.rules"
	testRegoTimeout  = 30 * time.Second
)

var testSeverities = []string{"info", "low", "medium", "high", "critical"}

// testRegoModule is one embedded Rego file, parsed as the engine parses it.
type testRegoModule struct {
	path   string // inside FS, e.g. rules/image_share.rego
	module *ast.Module
}

func (m testRegoModule) isTest() bool { return strings.HasSuffix(m.path, "_test.rego") }

// testLoadModules parses every embedded .rego file (lib/ and rules/,
// including the tests).
func testLoadModules(t *testing.T) []testRegoModule {
	t.Helper()
	var out []testRegoModule
	err := fs.WalkDir(FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") {
			return err
		}
		src, err := fs.ReadFile(FS, p)
		if err != nil {
			return err
		}
		m, err := ast.ParseModuleWithOpts(p, string(src), ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
		if err != nil {
			return err
		}
		out = append(out, testRegoModule{path: p, module: m})
		return nil
	})
	if err != nil {
		t.Fatalf("loading embedded Rego: %v", err)
	}
	if len(out) == 0 {
		t.Fatal("no .rego file is embedded")
	}
	return out
}

// testRulePackages returns the rule modules: the non-test modules whose
// package is under imagewarden.rules.
func testRulePackages(mods []testRegoModule) []testRegoModule {
	var out []testRegoModule
	for _, m := range mods {
		if !m.isTest() && strings.HasPrefix(m.module.Package.Path.String(), testRulesPackage+".") {
			out = append(out, m)
		}
	}
	return out
}

func testDefaultData(t *testing.T) map[string]any {
	t.Helper()
	b, err := fs.ReadFile(FS, "data.json")
	if err != nil {
		t.Fatal(err)
	}
	var data map[string]any
	if err := util.UnmarshalJSON(b, &data); err != nil {
		t.Fatalf("data.json: %v", err)
	}
	return data
}

func TestRegoUnitTests(t *testing.T) {
	mods := testLoadModules(t)
	modules := map[string]*ast.Module{}
	for _, m := range mods {
		modules[m.path] = m.module
	}

	// Strict mode (as `opa test --strict`) also rejects unused local
	// variables and imports, which in a test usually mean a typo.
	compiler := ast.NewCompiler().
		WithCapabilities(ast.CapabilitiesForThisVersion()).
		WithDefaultRegoVersion(ast.RegoV1).
		WithEnablePrintStatements(true).
		WithStrict(true)
	ch, err := tester.NewRunner().
		SetCompiler(compiler).
		SetStore(inmem.NewFromObject(testDefaultData(t))).
		SetModules(modules).
		SetDefaultRegoVersion(ast.RegoV1).
		RaiseBuiltinErrors(true).
		CapturePrintOutput(true).
		SetTimeout(testRegoTimeout).
		RunTests(context.Background(), nil)
	if err != nil {
		t.Fatalf("compiling Rego tests: %v", err)
	}
	var results []*tester.Result
	for r := range ch {
		results = append(results, r)
	}
	sort.Slice(results, func(i, j int) bool {
		if results[i].Package != results[j].Package {
			return results[i].Package < results[j].Package
		}
		return results[i].Name < results[j].Name
	})
	if len(results) == 0 {
		t.Fatal("no Rego test ran: expected test_ rules in rules/*_test.rego and lib/*_test.rego")
	}

	perPackage := map[string]int{}
	for _, r := range results {
		perPackage[r.Package]++
		name := strings.TrimPrefix(r.Package, "data.") + "." + r.Name
		t.Run(name, func(t *testing.T) {
			if r.Location != nil {
				t.Logf("%s:%d", r.Location.File, r.Location.Row)
			}
			if len(r.Output) > 0 {
				t.Logf("print output:\n%s", r.Output)
			}
			switch {
			case r.Error != nil:
				t.Errorf("ERROR: %v", r.Error)
			case r.Skip:
				t.Errorf("SKIPPED: Rego tests must not be skipped (todo_ prefix)")
			case r.Fail:
				t.Errorf("FAIL%s", testFailedAt(r))
			}
		})
	}
	t.Logf("%d Rego tests in %d packages", len(results), len(perPackage))

	// Every rule and the library has tests beside it.
	want := []string{"data.imagewarden.lib_test"}
	for _, m := range testRulePackages(mods) {
		want = append(want, m.module.Package.Path.String()+"_test")
	}
	for _, pkg := range want {
		if perPackage[pkg] == 0 {
			t.Errorf("no Rego test in package %s", strings.TrimPrefix(pkg, "data."))
		}
	}
}

func testFailedAt(r *tester.Result) string {
	if r.FailedAt == nil {
		return ""
	}
	loc := ""
	if r.FailedAt.Location != nil {
		loc = fmt.Sprintf(" (%s:%d)", r.FailedAt.Location.File, r.FailedAt.Location.Row)
	}
	return fmt.Sprintf(" at %v%s", r.FailedAt, loc)
}

func TestRuleMetadata(t *testing.T) {
	mods := testLoadModules(t)
	rules := testRulePackages(mods)
	if len(rules) == 0 {
		t.Fatal("no rule package under imagewarden.rules")
	}
	capabilities := testCatalogCapabilityIDs(t)

	ids := map[string]string{} // custom.id -> file
	for _, m := range rules {
		pkg := m.module.Package.Path.String()
		t.Run(strings.TrimPrefix(pkg, "data."), func(t *testing.T) {
			if want := testRulesPackage + "." + strings.TrimSuffix(path.Base(m.path), ".rego"); pkg != want {
				t.Errorf("%s: package %s, want %s (named after the file)", m.path, strings.TrimPrefix(pkg, "data."), strings.TrimPrefix(want, "data."))
			}
			if !slices.ContainsFunc(m.module.Rules, func(r *ast.Rule) bool { return r.Head.Ref().String() == "findings" }) {
				t.Errorf("%s: no findings rule", m.path)
			}
			var meta *ast.Annotations
			for _, a := range m.module.Annotations {
				if a.Scope == "package" || a.Scope == "subpackages" {
					if meta != nil {
						t.Errorf("%s: more than one package METADATA block", m.path)
					}
					meta = a
				}
			}
			if meta == nil {
				t.Fatalf("%s: no # METADATA block before the package", m.path)
			}
			if strings.TrimSpace(meta.Title) == "" {
				t.Errorf("%s: METADATA without title", m.path)
			}
			if strings.TrimSpace(meta.Description) == "" {
				t.Errorf("%s: METADATA without description", m.path)
			}
			str := func(key string) string {
				v, ok := meta.Custom[key]
				if !ok {
					t.Errorf("%s: METADATA without custom.%s", m.path, key)
					return ""
				}
				s, ok := v.(string)
				if !ok || strings.TrimSpace(s) == "" {
					t.Errorf("%s: custom.%s must be a non-empty string, got %#v", m.path, key, v)
				}
				return s
			}
			if id := str("id"); id != "" {
				if other, dup := ids[id]; dup {
					t.Errorf("%s: custom.id %s is also the id of %s", m.path, id, other)
				}
				ids[id] = m.path
			}
			if sev := str("severity"); !slices.Contains(testSeverities, sev) {
				t.Errorf("%s: custom.severity %q is not one of %v", m.path, sev, testSeverities)
			}
			str("remediation")
			if v, ok := meta.Custom["capability"]; ok {
				if c, _ := v.(string); !slices.Contains(capabilities, c) {
					t.Errorf("%s: custom.capability %#v is not a capability of catalog/aws.yaml", m.path, v)
				}
			}
		})
	}

	// Test modules and the library stay outside the packages the engine
	// reads findings from, or use a _test package there.
	for _, m := range mods {
		pkg := m.module.Package.Path.String()
		if m.isTest() && strings.HasPrefix(pkg, testRulesPackage+".") && !strings.HasSuffix(pkg, "_test") {
			t.Errorf("%s: test package %s under imagewarden.rules must end in _test", m.path, strings.TrimPrefix(pkg, "data."))
		}
		if !m.isTest() && !strings.HasPrefix(m.path, "rules/") && strings.HasPrefix(pkg, testRulesPackage+".") {
			t.Errorf("%s: package %s is a rule package outside rules/", m.path, strings.TrimPrefix(pkg, "data."))
		}
	}
}

// testCatalogCapabilityIDs reads the capability ids of catalog/aws.yaml.
func testCatalogCapabilityIDs(t *testing.T) []string {
	t.Helper()
	b, err := fs.ReadFile(FS, "catalog/aws.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Capabilities []struct {
			ID string `yaml:"id"`
		} `yaml:"capabilities"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("catalog/aws.yaml: %v", err)
	}
	var ids []string
	for _, c := range doc.Capabilities {
		ids = append(ids, c.ID)
	}
	if len(ids) == 0 {
		t.Fatal("catalog/aws.yaml lists no capability")
	}
	return ids
}
