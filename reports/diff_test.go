package reports

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/diff"
	"github.com/imagewarden/imagewarden/analyzer/model"
)

func addedFinding(i int, principal string) model.Finding {
	f := model.Finding{RuleID: "IW-003", PrincipalID: principal, Capability: "image.push", Severity: "high", Access: model.Allowed,
		Principal: &model.Principal{ID: principal, Name: principal, Kind: "role", Cloud: "aws"},
		Targets:   []model.Target{{Resource: fmt.Sprintf("arn:aws:ecr:us-east-1:111122223333:repository/app/%d", i)}}}
	f.ID = model.FindingID(&f)
	return f
}

// TestDiffMarkdownLimit: a change adding thousands of findings still gives
// a comment GitHub accepts (at most 65,536 characters), and says how many
// rows it left to the SARIF and JSON reports.
func TestDiffMarkdownLimit(t *testing.T) {
	r := diff.Compare(&analyzer.Report{}, &analyzer.Report{})
	for i := 0; i < 3000; i++ {
		r.Added = append(r.Added, addedFinding(i, fmt.Sprintf("arn:aws:iam::111122223333:role/ci-deployer-with-a-long-name-%04d", i)))
	}
	for i := 0; i < 500; i++ {
		r.Removed = append(r.Removed, addedFinding(i, fmt.Sprintf("arn:aws:iam::111122223333:role/old-%d", i)))
	}
	var b bytes.Buffer
	if err := DiffMarkdown(&b, &Diff{Result: r, Head: &analyzer.Report{}}); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	if n := utf8.RuneCountInString(s); n > commentLimit {
		t.Errorf("comment of %d characters, GitHub takes at most %d", n, commentLimit)
	}
	rows := strings.Count(s, "\n| high |")
	if rows == 0 || rows >= 3500 {
		t.Fatalf("%d rows written: the cut did not happen or nothing fit", rows)
	}
	want := fmt.Sprintf("%d more row(s) than fit in a comment: see the SARIF or JSON report", 3500-rows)
	if !strings.Contains(s, want) {
		t.Errorf("comment does not say %q", want)
	}
	if !strings.HasPrefix(s, DiffMarker+" **imagewarden**: adds 3000 ways to push images\n") {
		t.Errorf("comment starts %q", s[:120])
	}
}

// TestDiffMarkdownHostileNames: names from the inputs and the plan cannot
// break the table, open HTML, links or code spans, mention anyone, or
// close the marker comment.
func TestDiffMarkdownHostileNames(t *testing.T) {
	r := diff.Compare(&analyzer.Report{}, &analyzer.Report{})
	evil := "role/a|b`c` <script>x</script> @octocat [l](https://evil.example) --> ![i](x)\n| fake | row |"
	f := addedFinding(1, evil)
	r.Added = append(r.Added, f)
	r.Sources = map[string][]diff.Source{f.ID: {{Address: "aws_iam_role.x|`y` @team", File: "main.tf", Line: 3}}}
	r.Review = []string{"aws_iam_role_policy.p: policy unknown until apply <img src=x>"}
	var b bytes.Buffer
	if err := DiffMarkdown(&b, &Diff{Result: r, Head: &analyzer.Report{}}); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	for _, bad := range []string{"<script", "<img", "@octocat", "@team", "`c`", "\n| fake"} {
		if strings.Contains(s, bad) {
			t.Errorf("comment holds %q:\n%s", bad, s)
		}
	}
	// A link needs "](" after an unescaped "]"; the only "-->" closes the
	// marker.
	if regexp.MustCompile(`[^\\]\]\(`).MatchString(s) {
		t.Errorf("comment holds a link:\n%s", s)
	}
	if strings.Count(s, "-->") != 1 {
		t.Errorf("a name closes an HTML comment:\n%s", s)
	}
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "| high |") && strings.Count(strings.ReplaceAll(line, `\|`, ""), "|") != 8 {
			t.Errorf("a row with %d cell breaks: %q", strings.Count(strings.ReplaceAll(line, `\|`, ""), "|"), line)
		}
	}
}
