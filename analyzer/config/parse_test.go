package config

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/imagewarden/imagewarden/internal/golden"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/rules"
)

const fixtures = "../../testdata/config"

var (
	builtinOnce  sync.Once
	builtinRules []model.Rule
	builtinCat   *catalog.Catalog
	builtinErr   error
)

// builtins are the built-in rules and catalog, as Analyze checks against.
func builtins(t testing.TB) ([]model.Rule, *catalog.Catalog) {
	t.Helper()
	builtinOnce.Do(func() {
		var e *rules.Engine
		if e, builtinErr = rules.New(context.Background(), rules.Options{}); builtinErr != nil {
			return
		}
		builtinRules = e.Rules()
		builtinCat, builtinErr = catalog.Load()
	})
	if builtinErr != nil {
		t.Fatal(builtinErr)
	}
	return builtinRules, builtinCat
}

// check parses and checks a configuration against the built-ins.
func check(t *testing.T, name, text string) (*Config, error) {
	t.Helper()
	r, cat := builtins(t)
	c, err := Parse(name, []byte(text))
	if err != nil {
		return nil, err
	}
	return c, c.Check(r, cat)
}

func TestValidFixture(t *testing.T) {
	r, cat := builtins(t)
	c, err := Load(filepath.Join(fixtures, "valid.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Check(r, cat); err != nil {
		t.Fatal(err)
	}
	if len(c.ApprovedPublishers) != 2 || len(c.Suppressions) != 2 || len(c.SeverityOverrides) != 2 {
		t.Fatalf("parsed %d publishers, %d suppressions, %d overrides", len(c.ApprovedPublishers), len(c.Suppressions), len(c.SeverityOverrides))
	}
	s := c.Suppressions[1]
	if s.Rule != "IW-003" || s.Expires != "2027-03-31" || s.Pos.Line != 14 || s.Owner != "platform-security@example.com" {
		t.Errorf("suppression: %+v", s)
	}
	if c.SHA256 == "" || c.Sources()[0].Kind != Kind || !strings.Contains(c.Sources()[0].Detail, "2 suppressions") {
		t.Errorf("source: %+v", c.Sources())
	}
}

// TestEveryProblem: one file with one of each problem gives one error that
// lists them all, each with file:line:column, in file order.
func TestEveryProblem(t *testing.T) {
	r, cat := builtins(t)
	path := filepath.Join(fixtures, "every-problem.yaml")
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Check(r, cat)
	e, ok := AsError(err)
	if !ok {
		t.Fatalf("want an *Error, got %v", err)
	}
	got := err.Error() + "\n"
	golden.Check(t, filepath.Join(fixtures, "every-problem.err"), []byte(got))
	for _, p := range e.Problems {
		if p.File != path || p.Line == 0 || p.Column == 0 {
			t.Errorf("problem without file:line:column: %+v", p)
		}
	}
	if len(e.Problems) < 15 {
		t.Errorf("want every problem, got %d", len(e.Problems))
	}
}

// TestProblems: each problem alone, with its place.
func TestProblems(t *testing.T) {
	const ok = "    reason: r\n    owner: o\n    expires: 2027-01-01\n"
	for _, c := range []struct {
		name, yaml string
		want       []string // substrings of the error, in order
	}{
		{"unknown top key", "version: 1\nsupressions: []\n", []string{`x.yaml:2:1: the configuration: unknown key "supressions"; known keys: version, approved_publishers, suppressions, severity_overrides`}},
		{"unknown suppression key", "version: 1\nsuppressions:\n  - id: iw-0123456789abcdef\n    expiry: 2027-01-01\n    reason: r\n    owner: o\n", []string{`x.yaml:3:5: suppressions[0]: expires is missing`, `x.yaml:4:5: suppressions[0]: unknown key "expiry"`}},
		{"repeated key", "version: 1\nversion: 1\n", []string{`x.yaml:2:1: the configuration: key "version" repeated (first at line 1)`}},
		{"missing version", "suppressions: []\n", []string{`x.yaml:1:1: missing "version: 1"`}},
		{"other version", "version: 2\n", []string{`x.yaml:1:10: version "2": this imagewarden reads version 1`}},
		{"empty file", "", []string{`x.yaml:1:1: empty configuration`}},
		{"not a mapping", "- 1\n", []string{`x.yaml:1:1: the configuration: want a mapping`}},
		{"section not a list", "version: 1\nsuppressions: {id: x}\n", []string{`x.yaml:2:15: suppressions: want a list, got a mapping`}},
		{"unknown capability", "version: 1\napproved_publishers:\n  - principal: p\n    capabilities: [image.push, image.pusj]\n", []string{`x.yaml:4:32: approved_publishers[0].capabilities[1]: unknown capability "image.pusj"; the capabilities are image.create, image.modify, image.push`}},
		{"capability glob in publishers", "version: 1\napproved_publishers:\n  - principal: p\n    capabilities: [\"image.*\"]\n", []string{`unknown capability "image.*"`}},
		{"capabilities not a list", "version: 1\napproved_publishers:\n  - principal: p\n    capabilities: image.push\n", []string{`x.yaml:4:19: approved_publishers[0].capabilities: want a list, e.g. [image.push], got "image.push"`}},
		{"empty capabilities", "version: 1\napproved_publishers:\n  - principal: p\n    capabilities: []\n", []string{`x.yaml:4:19: approved_publishers[0].capabilities: an empty list approves nothing`}},
		{"publisher without principal", "version: 1\napproved_publishers:\n  - reason: r\n", []string{`x.yaml:3:5: approved_publishers[0]: principal is missing`}},
		{"bad publisher glob", "version: 1\napproved_publishers:\n  - principal: \"arn:[aws\"\n", []string{`x.yaml:3:16: approved_publishers[0].principal: bad glob "arn:[aws"`}},
		{"bad resource glob", "version: 1\napproved_publishers:\n  - principal: p\n    resources: [ok, \"{a,b\"]\n", []string{`x.yaml:4:21: approved_publishers[0].resources[1]: bad glob "{a,b"`}},
		{"unknown rule", "version: 1\nsuppressions:\n  - rule: IW-042\n" + ok, []string{`x.yaml:3:11: suppressions[0].rule: unknown rule "IW-042"; the rules are IW-001, IW-002`}},
		{"unknown override rule", "version: 1\nseverity_overrides:\n  - rule: iw-006\n    severity: low\n", []string{`x.yaml:3:11: severity_overrides[0].rule: unknown rule "iw-006"`}},
		{"capability glob matching nothing", "version: 1\nsuppressions:\n  - capability: \"img.*\"\n" + ok, []string{`x.yaml:3:17: suppressions[0].capability: capability glob "img.*" matches no capability`}},
		{"unknown cloud", "version: 1\nseverity_overrides:\n  - cloud: amazon\n    severity: low\n", []string{`x.yaml:3:12: severity_overrides[0].cloud: unknown cloud "amazon"; the clouds are aws, azure, gcp`}},
		{"bad severity", "version: 1\nseverity_overrides:\n  - rule: IW-006\n    severity: Critical\n", []string{`x.yaml:4:15: severity_overrides[0]: severity "Critical": one of info, low, medium, high, critical`}},
		{"missing severity", "version: 1\nseverity_overrides:\n  - rule: IW-006\n", []string{`x.yaml:3:5: severity_overrides[0]: severity is missing`}},
		{"empty override match", "version: 1\nseverity_overrides:\n  - severity: low\n", []string{`x.yaml:3:5: severity_overrides[0]: empty match`}},
		{"bad date", "version: 1\nsuppressions:\n  - id: iw-0123456789abcdef\n    reason: r\n    owner: o\n    expires: 2027-02-30\n", []string{`x.yaml:6:14: suppressions[0]: expires "2027-02-30" is not a date (YYYY-MM-DD)`}},
		{"date with time", "version: 1\nsuppressions:\n  - id: iw-0123456789abcdef\n    reason: r\n    owner: o\n    expires: 2027-02-03T10:00:00Z\n", []string{`expires "2027-02-03T10:00:00Z" is not a date`}},
		{"missing date", "version: 1\nsuppressions:\n  - id: iw-0123456789abcdef\n    reason: r\n    owner: o\n", []string{`x.yaml:3:5: suppressions[0]: expires is missing`}},
		{"no reason, no owner", "version: 1\nsuppressions:\n  - id: iw-0123456789abcdef\n    reason: \"  \"\n    expires: 2027-01-01\n", []string{`x.yaml:3:5: suppressions[0]: reason is missing`, `x.yaml:3:5: suppressions[0]: owner is missing`}},
		{"empty match", "version: 1\nsuppressions:\n  - reason: r\n    owner: o\n    expires: 2027-01-01\n", []string{`x.yaml:3:5: suppressions[0]: empty match`}},
		{"id and match", "version: 1\nsuppressions:\n  - id: iw-0123456789abcdef\n    rule: IW-003\n" + ok, []string{`x.yaml:3:9: suppressions[0]: give an id or a match`}},
		{"bad id", "version: 1\nsuppressions:\n  - id: IW-003\n" + ok, []string{`x.yaml:3:9: suppressions[0]: id "IW-003" is not a finding id`}},
		{"bad suppression glob", "version: 1\nsuppressions:\n  - principal: \"[\"\n" + ok, []string{`x.yaml:3:16: suppressions[0].principal: bad glob "["`}},
		{"list for a string", "version: 1\nsuppressions:\n  - principal: [a]\n" + ok, []string{`x.yaml:3:16: suppressions[0].principal: want a string, got a list`}},
		{"two documents", "version: 1\n---\nversion: 1\n", []string{`x.yaml:2:1: a second YAML document`}},
		{"broken YAML", "version: 1\nsuppressions: [\n", []string{`configuration x.yaml:2: not valid YAML: did not find expected node content`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := check(t, "x.yaml", c.yaml)
			if err == nil {
				t.Fatalf("no error; want %q", c.want)
			}
			msg := err.Error()
			at := 0
			for _, w := range c.want {
				i := strings.Index(msg[at:], w)
				if i < 0 {
					t.Fatalf("error lacks %q (in order):\n%s", w, msg)
				}
				at += i + len(w)
			}
		})
	}
}

func TestBrokenFixture(t *testing.T) {
	_, err := Load(filepath.Join(fixtures, "broken.yaml"))
	if err == nil || !strings.Contains(err.Error(), "testdata/config/broken.yaml:") || !strings.Contains(err.Error(), "not valid YAML") {
		t.Fatalf("want a YAML error naming the file and line, got %v", err)
	}
	if _, err := Load(filepath.Join(fixtures, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Fatalf("want an error naming the missing file, got %v", err)
	}
}

func TestNilConfig(t *testing.T) {
	c, err := Load("")
	if c != nil || err != nil {
		t.Fatalf("Load(\"\") = %v, %v", c, err)
	}
	if err := c.Check(nil, nil); err != nil {
		t.Fatal(err)
	}
	if w := c.Apply([]model.Finding{{ID: "x"}}, now); w != nil {
		t.Fatal(w)
	}
	data := map[string]any{"imagewarden": map[string]any{"approved_publishers": []any{}}}
	if got := c.Data(data); len(got["imagewarden"].(map[string]any)["approved_publishers"].([]any)) != 0 || c.Sources() != nil {
		t.Fatalf("nil config changed something: %v", got)
	}
}

// TestData: the configuration's publishers follow those of the --data
// files (the last one that sets them), so both approve.
func TestData(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data.yaml")
	os.WriteFile(data, []byte("imagewarden:\n  approved_publishers:\n    - principal: from-data\n"), 0o644)
	c, err := Parse("c.yaml", []byte("version: 1\napproved_publishers:\n  - principal: from-config\n    capabilities: [image.push]\n"))
	if err != nil {
		t.Fatal(err)
	}
	load := func() map[string]any {
		d, err := rules.LoadData([]string{data})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	b, _ := json.Marshal(c.Data(load())["imagewarden"])
	if want := `{"approved_publishers":[{"principal":"from-data"},{"capabilities":["image.push"],"principal":"from-config"}]}`; string(b) != want {
		t.Errorf("data:\n%s\nwant\n%s", b, want)
	}
	// Without publishers, the data is left as it is.
	c2, _ := Parse("c.yaml", []byte("version: 1\n"))
	b, _ = json.Marshal(c2.Data(load())["imagewarden"])
	if want := `{"approved_publishers":[{"principal":"from-data"}]}`; string(b) != want {
		t.Errorf("data:\n%s\nwant\n%s", b, want)
	}
}

func TestDiscover(t *testing.T) {
	cwd, a, b, empty := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	for _, d := range []string{a, b} {
		os.WriteFile(filepath.Join(d, DefaultName), []byte("version: 1\n"), 0o644)
	}
	file := filepath.Join(a, "iam.json")
	os.WriteFile(file, []byte("{}"), 0o644)
	for _, c := range []struct {
		name  string
		cwd   string
		paths []string
		want  string
		err   string
	}{
		{"none", cwd, []string{empty}, "", ""},
		{"the PATH directory's", cwd, []string{empty, a}, filepath.Join(a, DefaultName), ""},
		{"the same directory twice", cwd, []string{a, a + "/"}, filepath.Join(a, DefaultName), ""},
		{"a file PATH: not its directory", cwd, []string{file}, "", ""},
		{"several", cwd, []string{a, b}, "", "several PATHs hold a .imagewarden.yaml"},
		{"the current directory's first", b, []string{a}, filepath.Join(b, DefaultName), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Discover(c.cwd, c.paths)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), "--config") {
					t.Fatalf("want an error %q, got %v", c.err, err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("got %q, %v; want %q", got, err, c.want)
			}
		})
	}
}
