package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/result"
	"github.com/imagewarden/imagewarden/internal/inert"
)

// maxTargets bounds the resources listed in one table cell; the JSON
// report has them all.
const maxTargets = 4

// Table writes the findings as a terminal table, then what was read and
// skipped, and the warnings, at full width (TableWith with Options.Width
// 0: analyze --wide).
//
// Every text from the inputs is inert (internal/inert): each value is
// escaped on its own line by line (so a name's newline cannot start a line
// of its own), every cell goes through inert.Cells (single-line unless
// marked inert.Multi) and every line under the table through inert.Fprintf, and everything Table writes passes an
// inert.Writer, which escapes any control character a helper let through.
func Table(out io.Writer, r *result.Report) error {
	return TableWith(out, r, Options{})
}

// TableWith is Table fitted to o.Width columns when it is positive: long
// cells wrapped, ARNs and resource paths cut to their distinguishing
// tail, long conditions summarised, any word still too wide cut with "…",
// and the lines under the table wrapped, so that no line is wider than
// o.Width (once it leaves room for the table's seven columns, about 50).
// The text is escaped before it is measured: the fitting sees what the
// terminal shows.
func TableWith(out io.Writer, r *result.Report, o Options) error {
	var fit *fitWriter
	if o.Width > 0 {
		fit = &fitWriter{w: out, width: o.Width}
		out = fit
	}
	iw := inert.NewWriter(out, inert.Newline)
	err := table(iw, r, o.Width)
	if ferr := iw.Flush(); err == nil {
		err = ferr
	}
	if fit != nil {
		if ferr := fit.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

var tableHeader = []string{"Severity", "Rule", "Principal", "Capability", "Access", "Resources", "Grant"}

func table(w io.Writer, r *result.Report, width int) error {
	fmt.Fprintf(w, "imagewarden: who can implant an image (MITRE ATT&CK T1525)\n\n")
	if len(r.Findings) == 0 {
		fmt.Fprintln(w, "No findings.")
	} else {
		var rows [][]any
		for _, f := range r.Findings {
			where, grants := targetsCell(f.Targets), grantsCell(f.Targets, width > 0)
			if len(f.Path) > 0 {
				where, grants = pathCell(f.Path, width > 0), pathGrantsCell(f.Path)
			}
			sev := inert.Line(f.Severity)
			if f.Suppression != nil {
				// Kept in view, marked: an accepted risk is still evidence.
				sev += " (suppressed until " + inert.Line(orNever(f.Suppression.Expires)) + ")"
			}
			rows = append(rows, inert.Cells(sev, f.RuleID, inert.Multi(principalLabel(f)), f.Capability, string(f.Access), inert.Multi(where), inert.Multi(grants)))
		}
		var t *tablewriter.Table
		if width > 0 {
			t = fittedTable(w, rows, width)
		} else {
			t = tablewriter.NewTable(w, tablewriter.WithRowAutoWrap(tw.WrapNormal))
			t.Header(toAny(tableHeader)...)
		}
		for _, row := range rows {
			if err := t.Append(row...); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "\n%d findings", len(r.Findings))
	if len(r.Findings) > 0 {
		var parts []string
		for _, s := range []string{"critical", "high", "medium", "low", "info"} {
			if n := r.Summary.BySeverity[s]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, s))
			}
		}
		fmt.Fprintf(w, " (%s)", strings.Join(parts, ", "))
	}
	if n := suppressedCount(r.Findings); n > 0 {
		fmt.Fprintf(w, "; %d suppressed", n)
	}
	fmt.Fprintf(w, "; %d principals, %d known resources.\n", r.Summary.Principals, r.Summary.Resources)
	writeCoverage(w, r)
	writeFixes(w, r.Findings)
	writeApplied(w, r)
	writeInputs(w, r.Inputs)
	if len(r.Warnings) > 0 {
		fmt.Fprintf(w, "\nWarnings (%d):\n", len(r.Warnings))
		for _, wn := range r.Warnings {
			if wn.Where != "" {
				inert.Fprintf(w, "  - %s: %s\n", wn.Where, wn.Message)
			} else {
				inert.Fprintf(w, "  - %s\n", wn.Message)
			}
		}
	}
	return nil
}

func writeInputs(w io.Writer, srcs []model.Source) {
	read, skipped := 0, 0
	for _, s := range srcs {
		if s.Error == "" {
			read++
		} else {
			skipped++
		}
	}
	fmt.Fprintf(w, "\nInputs: %d read, %d skipped.\n", read, skipped)
	for _, s := range srcs {
		if s.Error == "" {
			inert.Fprintf(w, "  read     %s (%s)\n", s.Path, s.Kind)
		}
	}
	for _, s := range srcs {
		if s.Error != "" {
			inert.Fprintf(w, "  SKIPPED  %s: %s\n", s.Path, s.Error)
		}
	}
}

// principalLabel names a finding's principal for a table cell, inert: on
// two lines when it has an account ("user/carol\n210987654321"), its
// parts escaped each on one line.
func principalLabel(f model.Finding) string {
	p := f.Principal
	switch {
	case p == nil:
		return inert.Line(f.PrincipalID)
	case p.Public:
		return "anyone (*)"
	case p.Kind == "account":
		return "account " + inert.Line(p.Account)
	case p.Account != "":
		return inert.Line(p.Kind+"/"+p.Name) + "\n" + inert.Line(p.Account)
	case p.Name != "" && p.Name != p.ID:
		return inert.Line(p.Kind + "/" + p.Name)
	}
	return inert.Line(p.ID)
}

// shortResource names a target briefly: "ecr repository/apps/checkout",
// or "every ecr repository in 111122223333" for a whole-type pattern.
func shortResource(t model.Target) string {
	if t.Resource == "*" {
		return "account-wide action"
	}
	if rest, ok := strings.CutPrefix(t.Resource, "//"); ok {
		// A GCP full resource name: //service.googleapis.com/relative/name.
		host, rel, _ := strings.Cut(rest, "/")
		if t.All {
			return "everything in " + rel
		}
		return strings.TrimSuffix(host, ".googleapis.com") + " " + rel
	}
	parts := strings.SplitN(t.Resource, ":", 6)
	if len(parts) != 6 {
		return t.Resource
	}
	svc, acct, res := parts[2], parts[4], parts[5]
	if t.All {
		typ, _, _ := strings.Cut(res, "/")
		s := "every " + svc + " " + typ
		if acct != "" && acct != "*" {
			s += " in " + acct
		}
		return s
	}
	return svc + " " + res
}

// shortPolicy drops the ARN prefix of managed policies.
func shortPolicy(name string) string {
	if i := strings.Index(name, ":policy/"); i >= 0 {
		return "policy/" + name[i+len(":policy/"):]
	}
	return name
}

// targetsCell lists where the access holds: whole-type patterns first
// (they make the listed resources of that type redundant), then the rest.
func targetsCell(ts []model.Target) string {
	var wide, narrow []model.Target
	for _, t := range ts {
		if t.All {
			wide = append(wide, t)
		} else {
			narrow = append(narrow, t)
		}
	}
	var lines []string
	for _, t := range append(wide, narrow...) {
		if len(lines) == maxTargets {
			lines = append(lines, fmt.Sprintf("... %d more (see --format json)", len(ts)-maxTargets))
			break
		}
		s := shortResource(t)
		if t.Access == model.Conditional {
			s += " (conditional)"
		}
		if len(t.Except) > 0 {
			s += fmt.Sprintf(" (except %d denied part(s))", len(t.Except))
		}
		lines = append(lines, s)
	}
	return inert.JoinLines(lines)
}

// grantsCell lists the grants behind the access; fitted, a condition
// longer than a line is summarised (the JSON report and --wide have it).
func grantsCell(ts []model.Target, fitted bool) string {
	seen := map[string]bool{}
	var lines []string
	for _, t := range ts {
		for _, g := range t.Via {
			if g.Effect != "Allow" || strings.HasPrefix(g.Policy, "(assumed)") {
				continue
			}
			s := shortPolicy(g.Policy)
			if g.Statement != "" {
				s += " " + g.Statement
			}
			if g.Conditional {
				c := strings.Join(g.Conditions, " and ")
				if fitted {
					c = summariseCondition(c)
				}
				s += " if " + c
			}
			if !seen[s] {
				seen[s] = true
				lines = append(lines, s)
			}
		}
	}
	if len(lines) > maxTargets {
		lines = append(lines[:maxTargets], fmt.Sprintf("... and %d more", len(lines)-maxTargets))
	}
	return inert.JoinLines(lines)
}

// pathCell shows a chain of transitive access, a step a line; fitted,
// each step's ARN or resource name is shortened as the resources are.
func pathCell(steps []model.Edge, fitted bool) string {
	var lines []string
	for _, s := range steps {
		to := s.To
		if fitted {
			to = shortResource(model.Target{Resource: to})
		}
		l := "-(" + s.Kind + ")-> " + to
		if s.Conditional {
			l += " (conditional)"
		}
		if s.Assumed {
			l += " (assumed)"
		}
		lines = append(lines, l)
	}
	return inert.JoinLines(lines)
}

func pathGrantsCell(steps []model.Edge) string {
	var lines []string
	for _, s := range steps {
		lines = append(lines, strings.Join(s.Permissions, ", "))
	}
	return inert.JoinLines(lines)
}

func orNever(date string) string {
	if date == "" {
		return "revoked"
	}
	return date
}

func suppressedCount(fs []model.Finding) int {
	n := 0
	for _, f := range fs {
		if f.Suppression != nil {
			n++
		}
	}
	return n
}

// writeApplied says what analyze --apply-remediation showed: the findings
// the changes resolve, those they uncover, and what else they take away.
func writeApplied(w io.Writer, r *result.Report) {
	a := r.Remediation
	if a == nil {
		return
	}
	inert.Fprintf(w, "\nRemediation applied (%s): %d change(s), %d finding(s) resolved, %d uncovered, %d other permission(s) removed.\n",
		a.Plan, len(a.Changes), len(a.Resolved), len(a.Introduced), len(a.Removes))
	for _, f := range a.Resolved {
		inert.Fprintf(w, "  resolved  %s %s %s %s\n", f.ID, f.RuleID, f.PrincipalID, f.Capability)
	}
	for _, id := range a.Introduced {
		inert.Fprintf(w, "  uncovered %s (access the resolved findings hid; listed above)\n", id)
	}
	for _, x := range a.Removes {
		inert.Fprintf(w, "  removes   %s\n", x)
	}
}

// writeFixes lists each planned fix once, with the findings it resolves;
// one change often fixes several findings (every grant of one policy).
func writeFixes(w io.Writer, fs []model.Finding) {
	var order []string
	fixed := map[string][]string{}
	for _, f := range fs {
		if f.Suppression != nil || len(f.Fixes) == 0 {
			continue
		}
		x := f.Fixes[0] // the narrowest; guardrails come last
		key := x.Kind + ": " + x.Summary
		if _, ok := fixed[key]; !ok {
			order = append(order, key)
		}
		fixed[key] = append(fixed[key], f.RuleID+" "+oneLine(principalLabel(f))+" "+f.Capability)
	}
	if len(order) == 0 {
		return
	}
	fmt.Fprintf(w, "\nFixes (%d, verified by re-analysis; imagewarden remediate --out DIR writes them with their commands):\n", len(order))
	for _, k := range order {
		l := fixed[k]
		inert.Fprintf(w, "  - %s\n      resolves %s", k, strings.Join(l[:min(len(l), 3)], "; "))
		if len(l) > 3 {
			fmt.Fprintf(w, " and %d more", len(l)-3)
		}
		fmt.Fprintln(w)
	}
}

// oneLine folds a multi-line cell label ("user/carol\n210987654321") into
// "user/carol (210987654321)".
func oneLine(label string) string {
	parts := strings.Split(label, "\n")
	if len(parts) == 1 {
		return label
	}
	return parts[0] + " (" + strings.Join(parts[1:], ", ") + ")"
}

// fittedTable makes the findings table for width columns: each column
// gets a share of the width (columnWidths) and every cell, header
// included, is wrapped to it here, so the table library draws it as is.
func fittedTable(w io.Writer, rows [][]any, width int) *tablewriter.Table {
	return FittedTable(w, tableHeader, rows, width)
}

// FittedTable is a table of the given header whose rows (strings, already
// inert) are wrapped and cut so that no line is wider than width: the
// table of analyze and of who-can. Append the rows it was given, then
// Render.
func FittedTable(w io.Writer, columns []string, rows [][]any, width int) *tablewriter.Table {
	n := len(columns)
	header := make([]string, n)
	lines := make([][]int, n)
	typical, widest := make([]int, n), make([]int, n)
	for i, h := range columns {
		header[i] = strings.ToUpper(h)
		widest[i] = displayWidth(header[i])
	}
	for _, row := range rows {
		for i, c := range row {
			for _, l := range strings.Split(c.(string), "\n") {
				lines[i] = append(lines[i], displayWidth(l))
				widest[i] = max(widest[i], displayWidth(l))
			}
		}
	}
	for i := range typical {
		typical[i] = max(typicalWidth(lines[i]), min(displayWidth(header[i]), 8))
	}
	// Each column has a space either side and a border on its left; the
	// last has one on its right too.
	widths := columnWidths(typical, widest, width-3*n-1)
	for i := range header {
		header[i] = wrapCell(header[i], widths[i])
	}
	for _, row := range rows {
		for i, c := range row {
			row[i] = wrapCell(c.(string), widths[i])
		}
	}
	t := tablewriter.NewTable(w, tablewriter.WithRowAutoWrap(tw.WrapNone), tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoFormat(tw.Off), tablewriter.WithTrimSpace(tw.Off))
	t.Header(toAny(header)...)
	return t
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
