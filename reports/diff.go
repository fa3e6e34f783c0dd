package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/diff"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/result"
	"github.com/imagewarden/imagewarden/internal/inert"
)

// DiffFormats lists the formats of imagewarden diff.
var DiffFormats = []string{"table", "json", "markdown", "sarif"}

// Diff is what the diff renderers need: the comparison, and the head
// analysis it came from (its rules and inputs, for SARIF).
type Diff struct {
	*diff.Result
	Head *result.Report
}

// KnownDiff reports whether format names a diff renderer.
func KnownDiff(format string) bool {
	for _, f := range DiffFormats {
		if f == format {
			return true
		}
	}
	return false
}

// RenderDiff writes a diff in a format.
func RenderDiff(w io.Writer, format string, d *Diff) error {
	switch format {
	case "table", "":
		return DiffText(w, d)
	case "json":
		return JSON(w, struct {
			Tool    string       `json:"tool"`
			Version string       `json:"version"`
			Verdict diff.Verdict `json:"verdict"`
			*diff.Result
		}{"imagewarden", d.Head.Version, d.Verdict(), d.Result})
	case "markdown":
		return DiffMarkdown(w, d)
	case "sarif":
		return DiffSARIF(w, d)
	}
	return fmt.Errorf("unknown format %q (one of %s)", format, strings.Join(DiffFormats, ", "))
}

// DiffText is the terminal form: the verdict, then one line per added,
// changed and removed finding. Names from the inputs are made inert.
func DiffText(w io.Writer, d *Diff) error {
	r := d.Result
	var b strings.Builder
	inert.Fprintf(&b, "imagewarden diff: %s\n", r.Verdict().Line)
	inert.Fprintf(&b, "base: %d finding(s); head: %d finding(s); %d unchanged, %d added, %d removed, %d changed",
		r.Base.Findings, r.Head.Findings, r.Unchanged, len(r.Added), len(r.Removed), len(r.Changed))
	if r.Baselined > 0 {
		inert.Fprintf(&b, ", %d added but in the baseline", r.Baselined)
	}
	b.WriteString("\n")
	section := func(title string, fs []model.Finding) {
		if len(fs) == 0 {
			return
		}
		inert.Fprintf(&b, "\n%s:\n", title)
		for _, f := range fs {
			inert.Fprintf(&b, "  %-8s %s %s %s %s%s\n", f.Severity, f.ID, principalLabelLine(f), f.Capability, mdWhere(f), diffSourcesText(r, f.ID))
		}
	}
	section("Added", r.Added)
	if len(r.Changed) > 0 {
		inert.Fprintf(&b, "\nChanged:\n")
		for _, c := range r.Changed {
			mark := " "
			if c.Worse {
				mark = "+"
			}
			inert.Fprintf(&b, " %s%-8s %s %s %s: %s%s\n", mark, c.After.Severity, c.After.ID, principalLabelLine(c.After), c.After.Capability, strings.Join(c.What, ", "), diffSourcesText(r, c.After.ID))
		}
	}
	section("Removed", r.Removed)
	if len(r.Review) > 0 {
		inert.Fprintf(&b, "\nNeeds review:\n")
		for _, s := range r.Review {
			inert.Fprintf(&b, "  %s\n", s)
		}
	}
	if len(r.NotEvaluated) > 0 {
		inert.Fprintf(&b, "\nOther resources, not evaluated: %s\n", strings.Join(r.NotEvaluated, ", "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func diffSourcesText(r *diff.Result, id string) string {
	var parts []string
	for _, s := range r.Sources[id] {
		parts = append(parts, sourceLabel(s))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func sourceLabel(s diff.Source) string {
	if s.File != "" {
		return fmt.Sprintf("%s at %s:%d", s.Address, s.File, s.Line)
	}
	return s.Address
}
