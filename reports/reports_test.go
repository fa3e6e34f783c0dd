package reports

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/imagewarden/imagewarden/internal/golden"

	"github.com/imagewarden/imagewarden/analyzer"
)

var update = golden.Update // the shared -update flag (internal/golden)

func demoReport(t *testing.T) *analyzer.Report {
	t.Helper()
	// What `imagewarden analyze testdata/demo` shows: the demo's
	// configuration (approved publishers, suppressions, overrides) and
	// every finding's verified fixes.
	opts := analyzer.Options{Paths: []string{"../testdata/demo"}, Config: "../testdata/demo/.imagewarden.yaml", Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	rep, err := analyzer.Analyze(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, rep.Findings, err = analyzer.RemediateWith(context.Background(), opts, rep.Findings, analyzer.RemediateSettings{Together: true}); err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestTableGolden(t *testing.T) {
	var b bytes.Buffer
	if err := Render(&b, "table", demoReport(t)); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("..", "testdata", "golden", "demo-table.txt"), b.Bytes())
}

// TestJSONIsTheWholeReport: the JSON report decodes to the report, with
// every finding and input; the facts, edges and paths only with
// --include-facts (absent otherwise, not empty).
func TestJSONIsTheWholeReport(t *testing.T) {
	rep := demoReport(t)
	if len(rep.Facts) == 0 || len(rep.Edges) == 0 || len(rep.Paths) == 0 {
		t.Fatal("the demo has no facts, edges or paths")
	}
	for _, include := range []bool{false, true} {
		var b bytes.Buffer
		if err := RenderWith(&b, "json", rep, Options{IncludeFacts: include}); err != nil {
			t.Fatal(err)
		}
		var back analyzer.Report
		if err := json.Unmarshal(b.Bytes(), &back); err != nil {
			t.Fatal(err)
		}
		if len(back.Findings) != len(rep.Findings) || len(back.Inputs) != len(rep.Inputs) || len(back.Principals) != len(rep.Principals) || len(back.Rules) != len(rep.Rules) {
			t.Errorf("JSON lost data: %d/%d findings, %d/%d inputs, %d/%d principals", len(back.Findings), len(rep.Findings), len(back.Inputs), len(rep.Inputs), len(back.Principals), len(rep.Principals))
		}
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(b.Bytes(), &keys); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"facts", "edges", "paths"} {
			if _, ok := keys[k]; ok != include {
				t.Errorf("--include-facts %v: %q present %v", include, k, ok)
			}
		}
		if include && (len(back.Facts) != len(rep.Facts) || len(back.Edges) != len(rep.Edges) || len(back.Paths) != len(rep.Paths)) {
			t.Errorf("--include-facts: %d/%d facts, %d/%d edges, %d/%d paths", len(back.Facts), len(rep.Facts), len(back.Edges), len(rep.Edges), len(back.Paths), len(rep.Paths))
		}
		for _, f := range back.Findings {
			if f.RuleID == "" || f.Severity == "" || f.PrincipalID == "" || f.Message == "" || f.Remediation == "" {
				t.Errorf("finding without rule, severity, principal, message or remediation: %+v", f)
			}
		}
	}
}

func TestUnknownFormat(t *testing.T) {
	if err := Render(&bytes.Buffer{}, "pdf", &analyzer.Report{}); err == nil {
		t.Error("an unknown format should be an error")
	}
}

func TestJSONGolden(t *testing.T) { goldenCompare(t, "json", "demo-report.json") }
