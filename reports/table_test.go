package reports

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
	"github.com/imagewarden/imagewarden/internal/golden"
)

func TestTableMarksSuppressed(t *testing.T) {
	r := demoReport(t)
	for i := range r.Findings {
		r.Findings[i].Suppression = nil
	}
	r.Findings[0].Suppression = &model.Suppression{Reason: "accepted", Owner: "sec", Expires: "2027-03-31"}
	var b bytes.Buffer
	if err := Table(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "(suppressed until 2027-03-31)") || !strings.Contains(out, "; 1 suppressed;") {
		t.Errorf("the suppressed finding is not marked:\n%s", out)
	}
}

func TestTableShowsAppliedRemediation(t *testing.T) {
	r := demoReport(t)
	r.Remediation = &remediate.Applied{Plan: "fixes/remediation.json", Changes: []string{"c1"}, Resolved: []model.Finding{r.Findings[0]},
		Introduced: []string{"iw-0000000000000001"}, Removes: []string{"ecr:ImagewardenOtherAction for arn:aws:iam::1:user/x"}}
	var b bytes.Buffer
	if err := Table(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"Remediation applied (fixes/remediation.json): 1 change(s), 1 finding(s) resolved, 1 uncovered, 1 other permission(s) removed.",
		"resolved  " + r.Findings[0].ID, "uncovered iw-0000000000000001", "removes   ecr:ImagewardenOtherAction"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q", want)
		}
	}
}

// longCondition is a condition far wider than any terminal, and
// longToken a word that no wrapping can break.
var (
	longCondition = "StringEquals aws:PrincipalTag/team=" + strings.Repeat("platform-", 40) + "end"
	longToken     = "arn:aws:ecr:us-east-1:210987654321:repository/" + strings.Repeat("x", 300) + "/golden/base-ubuntu"
)

// demoWithLongTexts is the demo report with a finding that has a long
// condition, a long unbreakable resource and a long warning.
func demoWithLongTexts(t *testing.T) *analyzer.Report {
	r := demoReport(t)
	for i := range r.Findings {
		if len(r.Findings[i].Path) == 0 && len(r.Findings[i].Targets) > 0 {
			tg := &r.Findings[i].Targets[0]
			tg.Resource = longToken
			tg.All = false
			tg.Via = append(tg.Via, model.Grant{PolicyType: "inline", Policy: "long-condition", Effect: "Allow", Conditional: true, Conditions: []string{longCondition}})
			break
		}
	}
	r.Warnings = append(r.Warnings, model.Warning{Where: longToken, Message: strings.Repeat("a long warning ", 30)})
	return r
}

func renderTable(t *testing.T, r *analyzer.Report, width int) string {
	t.Helper()
	var b bytes.Buffer
	if err := RenderWith(&b, "table", r, Options{Width: width}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestTableFittedGolden: the demo table fitted to 80 and 120 columns
// (demo-table.txt is the full width, analyze --wide).
func TestTableFittedGolden(t *testing.T) {
	r := demoReport(t)
	for _, width := range []int{80, 120} {
		golden.Check(t, filepath.Join("..", "testdata", "golden", fmt.Sprintf("demo-table-%d.txt", width)), []byte(renderTable(t, r, width)))
	}
}

// TestTableFitsWidth: no line of the fitted table, nor under it, is
// wider than the width, even with a long condition, a long unbreakable
// ARN and a long warning; the condition is summarised, and whole at full
// width.
func TestTableFitsWidth(t *testing.T) {
	r := demoWithLongTexts(t)
	for _, width := range []int{60, 80, 120, 200} {
		out := renderTable(t, r, width)
		for i, l := range strings.Split(out, "\n") {
			if w := runewidth.StringWidth(l); w > width {
				t.Errorf("width %d: line %d is %d wide: %s", width, i+1, w, l)
			}
		}
		if strings.Contains(out, longCondition) || width >= 120 && !strings.Contains(out, "(condition: see") {
			t.Errorf("width %d: the long condition is not summarised", width)
		}
		if !strings.Contains(out, "…") {
			t.Errorf("width %d: nothing was cut", width)
		}
	}
	wide := renderTable(t, r, 0)
	if !strings.Contains(wide, longCondition) || !strings.Contains(wide, longToken) {
		t.Error("at full width (--wide) the long condition or ARN is not whole")
	}
}

func TestCutToken(t *testing.T) {
	for _, c := range []struct {
		in    string
		width int
		want  string
	}{
		{"arn:aws:ecr:us-east-1:210987654321:repository/golden/base-ubuntu", 32, "…:repository/golden/base-ubuntu"},
		{"EverythingButIdentity", 10, "Everythin…"},
		{"short", 10, "short"},
		{"long", 1, "…"},
	} {
		if got := cutToken(c.in, c.width); got != c.want || displayWidth(got) > c.width {
			t.Errorf("cutToken(%q, %d) = %q, want %q", c.in, c.width, got, c.want)
		}
	}
}
