package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/diff"
	"github.com/imagewarden/imagewarden/analyzer/model"
)

// DiffMarker is the hidden first line of every pull-request comment, by
// which a bot finds its own comment to update instead of adding another.
const DiffMarker = "<!-- imagewarden -->"

// commentLimit is GitHub's limit on a comment's body, in characters;
// the comment stays below it with room for the closing lines.
const commentLimit = 65536

// DiffMarkdown writes the pull-request comment: the verdict on the first
// line (after the marker), then the added and widened access as a table,
// what needs review, and the removed access folded in <details>. With
// nothing to say it is that one line. Every string from the inputs or the
// plan goes through mdCell; the comment is cut, row by row, to stay
// within GitHub's limit, saying how many rows the SARIF and JSON reports
// have that it does not.
func DiffMarkdown(w io.Writer, d *Diff) error {
	r := d.Result
	v := r.Verdict()
	head := DiffMarker + " **imagewarden**: " + mdCell(v.Line, 600)
	if v.Level == "no-change" {
		_, err := io.WriteString(w, head+"\n")
		return err
	}
	var b strings.Builder
	b.WriteString(head + "\n\n")
	fmt.Fprintf(&b, "Base: %d finding(s), head: %d; %d unchanged, %d added, %d changed, %d removed", r.Base.Findings, r.Head.Findings, r.Unchanged, len(r.Added), len(r.Changed), len(r.Removed))
	if r.Baselined > 0 {
		fmt.Fprintf(&b, ", %d added ones accepted in the baseline", r.Baselined)
	}
	b.WriteString(".\n")

	// The sections, each a list of rows: written while they fit.
	type section struct {
		title, header string
		rows          []string
		folded        bool
	}
	var sections []section
	if rows := addedRows(r); len(rows) > 0 {
		sections = append(sections, section{title: "### Added access", header: "| Severity | Principal | Capability | Where | How | Terraform | Suggested fix |\n|---|---|---|---|---|---|---|\n", rows: rows})
	}
	if len(r.Review) > 0 {
		var rows []string
		for _, s := range r.Review {
			rows = append(rows, "- "+mdCell(s, 400)+"\n")
		}
		sections = append(sections, section{title: "### Needs review", rows: rows})
	}
	var narrowed []string
	for _, c := range r.Changed {
		if !c.Worse {
			narrowed = append(narrowed, fmt.Sprintf("| %s | %s | %s | %s |\n", c.After.Severity, mdCell(principalLabelLine(c.After), 120), mdCell(c.After.Capability, 40), mdCell(strings.Join(c.What, ", "), 200)))
		}
	}
	if len(narrowed) > 0 {
		sections = append(sections, section{title: "Narrowed access", header: "| Severity | Principal | Capability | What changed |\n|---|---|---|---|\n", rows: narrowed, folded: true})
	}
	if len(r.NotEvaluated) > 0 && v.Level != "no-change" {
		var rows []string
		for _, a := range r.NotEvaluated {
			rows = append(rows, "- "+mdCell(a, 300)+"\n")
		}
		sections = append(sections, section{title: "Other resources, not evaluated", rows: rows, folded: true})
	}
	if len(r.Removed) > 0 {
		var rows []string
		for _, f := range r.Removed {
			rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s |\n", f.Severity, mdCell(principalLabelLine(f), 120), mdCell(f.Capability, 40), mdCell(mdWhere(f), 160)))
		}
		sections = append(sections, section{title: "Removed access", header: "| Severity | Principal | Capability | Where |\n|---|---|---|---|\n", rows: rows, folded: true})
	}

	// Room kept for the closing tags and the "more" line.
	const reserve = 600
	left := 0
	for _, s := range sections {
		if left > 0 {
			left += len(s.rows)
			continue
		}
		var part strings.Builder
		if s.folded {
			fmt.Fprintf(&part, "\n<details><summary>%s (%d)</summary>\n\n", s.title, len(s.rows))
		} else {
			fmt.Fprintf(&part, "\n%s\n\n", s.title)
		}
		part.WriteString(s.header)
		if b.Len()+part.Len()+reserve > commentLimit {
			left += len(s.rows)
			continue
		}
		b.WriteString(part.String())
		for i, row := range s.rows {
			if b.Len()+len(row)+reserve > commentLimit {
				left += len(s.rows) - i
				break
			}
			b.WriteString(row)
		}
		if s.folded {
			b.WriteString("\n</details>\n")
		}
	}
	if left > 0 {
		fmt.Fprintf(&b, "\n%d more row(s) than fit in a comment: see the SARIF or JSON report.\n", left)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// addedRows are the table rows of the added and widened findings.
func addedRows(r *diff.Result) []string {
	var rows []string
	for _, f := range r.Widened() {
		how := "grant"
		if len(f.Path) > 0 {
			how = fmt.Sprintf("chain of %d step(s)", len(f.Path))
		}
		var srcs []string
		for _, s := range r.Sources[f.ID] {
			srcs = append(srcs, sourceLabel(s))
		}
		tf := "-"
		if len(srcs) > 0 {
			tf = mdCell(strings.Join(srcs, ", "), 300)
		}
		rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %s | %s | %s |\n", severityCell(f), mdCell(principalLabelLine(f), 120), mdCell(f.Capability, 40),
			mdCell(mdWhere(f), 160), how, tf, mdCell(mdFix(f), 200)))
	}
	return rows
}

func severityCell(f model.Finding) string {
	if f.Suppression != nil {
		return f.Severity + " (suppressed)"
	}
	return f.Severity
}
