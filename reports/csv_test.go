package reports

import (
	"bytes"
	"encoding/csv"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/internal/golden"
)

// goldenCompare renders the demo in a format and compares it with
// testdata/golden/name; -update rewrites the file. The version and rule
// bundle hash are pinned: they change with every build and rule edit.
func goldenCompare(t *testing.T, format, name string) []byte {
	t.Helper()
	rep := demoReport(t)
	rep.Version, rep.RuleBundle = "test", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	var b bytes.Buffer
	if err := Render(&b, format, rep); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("..", "testdata", "golden", name), b.Bytes())
	return b.Bytes()
}

func TestCSVGolden(t *testing.T) { goldenCompare(t, "csv", "demo-report.csv") }

// The column order is a contract with auditors' spreadsheets: this list
// is spelled out again, not taken from CSVColumns, so a reorder fails.
var wantColumns = []string{"finding_id", "cloud", "account", "principal", "principal_type", "capability", "permissions", "resource", "access", "condition", "path", "source", "severity", "rule_id", "remediation", "suppressed", "suppression_reason", "suppression_expiry", "assumed"}

func readCSV(t *testing.T, r *analyzer.Report) ([]string, []map[string]string) {
	t.Helper()
	var b bytes.Buffer
	if err := CSV(&b, r); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll() // also checks every row has the header's width
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, c := range recs[0] {
			m[c] = rec[i]
		}
		rows = append(rows, m)
	}
	return recs[0], rows
}

func TestCSVColumnsAndRows(t *testing.T) {
	rep := demoReport(t)
	header, rows := readCSV(t, rep)
	if strings.Join(header, ",") != strings.Join(wantColumns, ",") {
		t.Fatalf("columns changed:\n got %v\nwant %v", header, wantColumns)
	}
	// One row per grant of each target, at least one per target; one per
	// grant of the first step for a chain.
	want := map[string]int{}
	for _, f := range rep.Findings {
		n := 0
		for _, tg := range f.Targets {
			n += max(1, len(tg.Via))
		}
		if len(f.Path) > 0 {
			n = max(1, len(f.Path[0].Via))
		}
		want[f.ID] += max(1, n)
	}
	got := map[string]int{}
	for _, r := range rows {
		got[r["finding_id"]]++
		if model.SeverityRank[r["severity"]] == 0 && r["severity"] != "info" {
			t.Errorf("severity column holds %q", r["severity"])
		}
		if !strings.HasPrefix(r["rule_id"], "IW-") || (r["access"] != "allowed" && r["access"] != "conditional") ||
			(r["suppressed"] != "false") != (r["suppression_reason"] != "") {
			t.Errorf("columns out of place: %v", r)
		}
		if r["cloud"] == "" || r["principal"] == "" || r["resource"] == "" || r["remediation"] == "" || r["permissions"] == "" {
			t.Errorf("empty evidence cell: %v", r)
		}
		if strings.Contains(r["resource"], "admin:") && !strings.Contains(r["path"], " -> ") {
			t.Errorf("a chain's row lacks its path: %v", r)
		}
	}
	// assumed: true exactly on the rows of findings whose chain has an
	// assumed step (the demo has some and some exact ones).
	assumed := map[string]string{}
	for _, f := range rep.Findings {
		assumed[f.ID] = "false"
		for _, e := range f.Path {
			if e.Assumed {
				assumed[f.ID] = "true"
			}
		}
	}
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r["assumed"]] = true
		if r["assumed"] != assumed[r["finding_id"]] {
			t.Errorf("finding %s: assumed %q, want %q", r["finding_id"], r["assumed"], assumed[r["finding_id"]])
		}
	}
	if !seen["true"] || !seen["false"] {
		t.Errorf("the demo should have rows with and without assumed steps: %v", seen)
	}
	for id, n := range want {
		if got[id] != n {
			t.Errorf("finding %s: %d rows, want %d", id, got[id], n)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d findings in the CSV, %d in the report", len(got), len(want))
	}
}

// hostile is a report whose names try spreadsheet formulas, Markdown and
// HTML, as an attacker who can name an IAM role would.
func hostile(name string) *analyzer.Report {
	p := &model.Principal{ID: name, Cloud: "aws", Kind: "role", Name: name, Account: "111122223333"}
	f := model.Finding{ID: "iw-0000000000000001", RuleID: "IW-003", Rule: "imagewarden.rules.container_image_push", Severity: "high", Title: "t",
		PrincipalID: name, Principal: p, Capability: "image.push", Access: model.Allowed, Message: "m " + name, Remediation: "fix it",
		Targets: []model.Target{{Resource: "-arn:aws:ecr:us-east-1:111122223333:repository/x", Access: model.Allowed, Actions: []string{"ecr:PutImage"},
			Via: []model.Grant{{PolicyType: "identity", Policy: "@policy", Statement: "S", Effect: "Allow"}}}}}
	return &analyzer.Report{Version: "test", Findings: []model.Finding{f}, Summary: analyzer.Summary{Findings: 1, BySeverity: map[string]int{"high": 1}}}
}

func TestCSVFormulaInjection(t *testing.T) {
	for _, name := range []string{`=HYPERLINK("http://evil.example","x")`, "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"} {
		_, rows := readCSV(t, hostile(name))
		r := rows[0]
		if r["principal"] != "'"+name {
			t.Errorf("principal %q written as %q, want a leading quote", name, r["principal"])
		}
		if !strings.HasPrefix(r["resource"], "'-") || !strings.HasPrefix(r["source"], "'@") {
			t.Errorf("resource %q or source %q not defused", r["resource"], r["source"])
		}
		if r["capability"] != "image.push" || r["finding_id"] != "iw-0000000000000001" {
			t.Errorf("safe cells changed: %v", r)
		}
	}
}

func TestCSVSuppressed(t *testing.T) {
	rep := hostile("role/ci")
	rep.Findings[0].Suppression = &model.Suppression{Reason: "legacy pipeline", Owner: "team-a", Expires: "2026-06-30"}
	rep.Findings[0].Fixes = []model.Fix{{Kind: "aws-statement-split", Summary: "split statement S"}}
	_, rows := readCSV(t, rep)
	r := rows[0]
	if r["suppressed"] != "true" || !strings.Contains(r["suppression_reason"], "legacy pipeline") || r["suppression_expiry"] != "2026-06-30" {
		t.Errorf("suppression not carried: %v", r)
	}
	if r["remediation"] != "split statement S" {
		t.Errorf("remediation should be the first fix, got %q", r["remediation"])
	}
}

// Rows must not depend on the order the rules engine returns findings in:
// a reordered report gives the same file, byte for byte.
func TestCSVRowOrderIsStable(t *testing.T) {
	rep := demoReport(t)
	var a, b bytes.Buffer
	if err := CSV(&a, rep); err != nil {
		t.Fatal(err)
	}
	fs := rep.Findings
	for i, j := 0, len(fs)-1; i < j; i, j = i+1, j-1 {
		fs[i], fs[j] = fs[j], fs[i]
	}
	if err := CSV(&b, rep); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("reversing the findings changed the CSV")
	}
}
