package reports

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/model"
)

func TestMarkdownGolden(t *testing.T) { goldenCompare(t, "markdown", "demo-report.md") }

func markdown(t *testing.T, r *analyzer.Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := Markdown(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestMarkdownEscapesNames(t *testing.T) {
	out := markdown(t, hostile("role/a|b`c<script>alert(1)</script>[x](http://evil.example)*y*"))
	if strings.Count(out, "`") != strings.Count(out, "\\`") {
		t.Errorf("unescaped backtick in:\n%s", out)
	}
	for _, bad := range []string{"<script>", "[x](", "*y*"} {
		if strings.Contains(out, bad) {
			t.Errorf("unescaped %q in:\n%s", bad, out)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "| high") {
			// A name's pipe would add a column: count unescaped ones.
			if n := strings.Count(line, "|") - strings.Count(line, `\|`); n != 8 {
				t.Errorf("row has %d cell separators, want 8: %s", n, line)
			}
			return
		}
	}
	t.Errorf("no finding row in:\n%s", out)
}

func TestMarkdownCountsAndSuppressed(t *testing.T) {
	rep := hostile("role/ci")
	sup := rep.Findings[0]
	sup.ID, sup.PrincipalID, sup.Suppression = "iw-2", "role/accepted", &model.Suppression{Reason: "r", Owner: "o"}
	rep.Findings = append(rep.Findings, sup)
	rep.Warnings = []model.Warning{{Where: "collection.json", Message: "scope ecr:eu-west-1 skipped: AccessDenied"}}
	out := markdown(t, rep)
	for _, want := range []string{"**1 open findings** (1 high)", "1 suppressed", "Incomplete scope", "ecr:eu-west-1 skipped"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "accepted") {
		t.Errorf("a suppressed finding is listed as open:\n%s", out)
	}
}

// GitHub rejects comments over 65,536 characters; a large organisation's
// report must still post.
func TestMarkdownFitsAComment(t *testing.T) {
	rep := &analyzer.Report{Version: "test", Summary: analyzer.Summary{BySeverity: map[string]int{}}}
	long := strings.Repeat("<&|`", 5000)
	for i := 0; i < 5000; i++ {
		f := hostile(fmt.Sprintf("role/%d-%s", i, long)).Findings[0]
		f.ID = fmt.Sprintf("iw-%016d", i)
		rep.Findings = append(rep.Findings, f)
		rep.Warnings = append(rep.Warnings, model.Warning{Message: long})
	}
	out := markdown(t, rep)
	if len(out) > 65536 {
		t.Fatalf("summary is %d bytes, over GitHub's comment limit", len(out))
	}
	if !strings.Contains(out, "and 4980 more") || !strings.Contains(out, "and 4990 more") {
		t.Errorf("the cut should say how many findings and warnings were left out:\n%s", out[:2000])
	}
}
