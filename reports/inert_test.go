package reports

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
	"github.com/imagewarden/imagewarden/internal/inert"
	"github.com/imagewarden/imagewarden/internal/inert/inerttest"
)

// hostileReport analyses inputs of the three clouds whose names, Sids,
// conditions and file names carry terminal escapes, bidi controls, GitHub
// mentions and links, HTML and spreadsheet formulas (a skipped file among
// them), with every finding's fixes; then adds what the inputs cannot
// give: an applied remediation, a suppression, a warning.
func hostileReport(t *testing.T) (*inerttest.Fixture, *analyzer.Report) {
	t.Helper()
	fx := inerttest.Write(t, t.TempDir())
	opts := analyzer.Options{Paths: []string{fx.Dir}, Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	rep, err := analyzer.Analyze(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, rep.Findings, err = analyzer.RemediateWith(context.Background(), opts, rep.Findings, analyzer.RemediateSettings{Together: true}); err != nil {
		t.Fatal(err)
	}
	clouds := map[string]bool{}
	fixes := 0
	for _, f := range rep.Findings {
		if f.Principal != nil {
			clouds[f.Principal.Cloud] = true
		}
		fixes += len(f.Fixes)
	}
	if len(clouds) != 3 || fixes == 0 || rep.Summary.FilesSkipped != 1 {
		t.Fatalf("the hostile inputs should give findings with fixes in the three clouds and one skipped file: clouds %v, %d fixes, %d skipped",
			clouds, fixes, rep.Summary.FilesSkipped)
	}
	rep.Findings[len(rep.Findings)-1].Suppression = &model.Suppression{Reason: inerttest.Name("reason"), Owner: inerttest.Name("owner"), Expires: inerttest.Name("2027")}
	rep.Warnings = append(rep.Warnings, model.Warning{Where: inerttest.FileName("where"), Message: inerttest.Name("message")})
	rep.Remediation = &remediate.Applied{Plan: inerttest.FileName("plan"), Changes: []string{inerttest.Name("change")},
		Resolved: rep.Findings[:2], Introduced: []string{inerttest.Name("iw-")}, Removes: []string{inerttest.Name("ecr:PutImage for ")}}
	rep.Version = inerttest.Name("version")
	return fx, rep
}

func renderHostile(t *testing.T, format string) (*inerttest.Fixture, string) {
	t.Helper()
	fx, rep := hostileReport(t)
	var b bytes.Buffer
	if err := Render(&b, format, rep); err != nil {
		t.Fatal(err)
	}
	return fx, b.String()
}

// TestHostileTable: no control character of any input reaches the
// terminal, in the cells or in the lists under the table; the names are
// still shown, escaped.
func TestHostileTable(t *testing.T) {
	_, out := renderHostile(t, "table")
	inerttest.Terminal(t, "table", out, false)
	for _, want := range []string{`alice\x1b]0;PWNED\x07\x1b[2J\x1b]8;;http://evil\x1b\\rcritical\x07\u202e\u2066\nforged line @org/team`,
		`SKIPPED  `, `broken\x1b]0;PWNED`, `Remediation applied (plan\x1b]0;PWNED`, `where\x1b]0;PWNED`, `Fixes (`, `gina\x1b]0;PWNED`, `omar\x1b]0;PWNED`} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q", want)
		}
	}
}

// TestHostileMarkdown: no live mention, link, email, HTML or issue
// reference, no control character; and the comment still fits.
func TestHostileMarkdown(t *testing.T) {
	_, out := renderHostile(t, "markdown")
	inerttest.Markdown(t, "markdown", out)
	if len(out) > 65536 {
		t.Errorf("%d bytes: over GitHub's comment limit", len(out))
	}
	if !strings.Contains(out, "alice") || !strings.Contains(out, "Incomplete scope") {
		t.Errorf("the names or the warnings are missing:\n%s", inert.Lines(out))
	}
}

// TestHostileCSV: CSV escaping is unchanged: every cell that would start a
// formula starts with a quote, and the file parses.
func TestHostileCSV(t *testing.T) {
	fx, out := renderHostile(t, "csv")
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	formula := false
	for _, row := range rows {
		for _, c := range row {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				t.Errorf("cell starts a formula: %q", c)
			}
			formula = formula || strings.HasPrefix(c, "'"+inerttest.Formula)
		}
	}
	if !formula {
		t.Errorf("no cell holds the defused formula of %q", fx.PrincipalName)
	}
}

// TestHostileHTML: HTML escaping is unchanged: the page has its own two
// script elements and no markup from the inputs.
func TestHostileHTML(t *testing.T) {
	_, out := renderHostile(t, "html")
	low := strings.ToLower(out)
	if n := strings.Count(low, "<script"); n != 2 {
		t.Errorf("%d <script tags, want 2", n)
	}
	for _, bad := range []string{inerttest.Markup, "<script>alert", "<https://evil"} {
		if strings.Contains(out, bad) {
			t.Errorf("raw %q in the page", bad)
		}
	}
}

// jsonStrings collects every string of a decoded JSON value.
func jsonStrings(v any, out *[]string) {
	switch v := v.(type) {
	case string:
		*out = append(*out, v)
	case []any:
		for _, x := range v {
			jsonStrings(x, out)
		}
	case map[string]any:
		for k, x := range v {
			*out = append(*out, k)
			jsonStrings(x, out)
		}
	}
}

// TestHostileJSONAndSARIF: both stay valid JSON, and carry the names
// exactly (escaping is JSON's job).
func TestHostileJSONAndSARIF(t *testing.T) {
	for _, format := range []string{"json", "sarif"} {
		fx, out := renderHostile(t, format)
		var v any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		var all []string
		jsonStrings(v, &all)
		for _, want := range []string{fx.UserARN, fx.Member, fx.PrincipalName} {
			found := false
			for _, s := range all {
				found = found || strings.Contains(s, want)
			}
			if !found {
				t.Errorf("%s: %q is not carried exactly", format, want)
			}
		}
	}
}

// The zero-width spaces make a cell up to 8 bytes a character ("@" becomes
// "@&#8203;"): the summary must still fit a GitHub comment.
func TestHostileMarkdownFitsAComment(t *testing.T) {
	worst := strings.Repeat("@", 3000) + strings.Repeat("://", 1000) + strings.Repeat("www.", 1000)
	rep := &analyzer.Report{Version: worst, Summary: analyzer.Summary{BySeverity: map[string]int{}}}
	for i := 0; i < 200; i++ {
		f := hostile(fmt.Sprintf("role/%d-%s", i, worst)).Findings[0]
		f.ID = fmt.Sprintf("iw-%016d", i)
		f.Capability, f.Fixes = worst, []model.Fix{{Kind: worst, Summary: worst}}
		rep.Findings = append(rep.Findings, f)
		rep.Warnings = append(rep.Warnings, model.Warning{Where: worst, Message: worst})
		rep.Summary.Skipped = append(rep.Summary.Skipped, worst)
	}
	var b bytes.Buffer
	if err := Markdown(&b, rep); err != nil {
		t.Fatal(err)
	}
	if b.Len() > 65536 {
		t.Fatalf("summary is %d bytes, over GitHub's comment limit", b.Len())
	}
	inerttest.Markdown(t, "worst case", b.String())
}
