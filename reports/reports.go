// Package reports renders an analysis. Each format is one renderer; the
// analysis is computed once and never changed here.
package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/result"
)

// Formats lists the report formats.
var Formats = []string{"table", "json", "csv", "markdown", "sarif", "html"}

// Options choose what goes into a report beyond the findings.
type Options struct {
	// IncludeFacts puts the analysis' evidence into the JSON report: every
	// capability fact, every edge of the graph and every path (analyze
	// --include-facts). Without it the JSON report carries the findings
	// and what they need (inputs, rules, principals, resources, warnings,
	// summary), and stays proportional to them: on a large organisation
	// the edges alone are most of the bytes.
	IncludeFacts bool
	// Width fits the table report to this many columns (TableWith); 0
	// draws it at full width, every text whole (analyze --wide). The other
	// formats ignore it.
	Width int
}

// Render writes the report in a format, with the default Options.
func Render(w io.Writer, format string, r *result.Report) error {
	return RenderWith(w, format, r, Options{})
}

// RenderWith writes the report in a format.
func RenderWith(w io.Writer, format string, r *result.Report, o Options) error {
	switch format {
	case "table", "":
		return TableWith(w, r, o)
	case "json":
		return JSONReport(w, r, o)
	case "csv":
		return CSV(w, r)
	case "markdown":
		return Markdown(w, r)
	case "sarif":
		return SARIF(w, r)
	case "html":
		return HTML(w, r)
	}
	return fmt.Errorf("unknown format %q (one of %s)", format, strings.Join(Formats, ", "))
}

// Known reports whether format names a renderer, so the command line can
// refuse a bad --format before the analysis runs.
func Known(format string) bool {
	for _, f := range Formats {
		if f == format {
			return true
		}
	}
	return false
}

// evidenceFields are the fields of the JSON report that only
// Options.IncludeFacts writes.
var evidenceFields = map[string]bool{"facts": true, "edges": true, "paths": true}

// JSONReport writes the report as indented JSON, streamed: the findings
// (and, with IncludeFacts, the facts, edges and paths) are written one at
// a time, never the whole document in memory. The bytes are those JSON
// would write of the report, less the evidence fields without
// IncludeFacts.
func JSONReport(w io.Writer, r *result.Report, o Options) error {
	return writeJSON(w, r, 2, func(name string) bool { return !o.IncludeFacts && evidenceFields[name] })
}

// JSON writes v as indented JSON, whole (who-can and path answers).
func JSON(w io.Writer, v any) error {
	emptyLists(v)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ordered returns the findings most severe first, with a total order (the
// finding ID breaks every tie) so that rows never move between two runs
// on the same inputs.
func ordered(fs []model.Finding) []model.Finding {
	out := append([]model.Finding(nil), fs...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if model.SeverityRank[a.Severity] != model.SeverityRank[b.Severity] {
			return model.SeverityRank[a.Severity] > model.SeverityRank[b.Severity]
		}
		for _, k := range [][2]string{{a.RuleID, b.RuleID}, {a.PrincipalID, b.PrincipalID}, {a.Capability, b.Capability}} {
			if k[0] != k[1] {
				return k[0] < k[1]
			}
		}
		return a.ID < b.ID
	})
	return out
}

// ruleByID indexes the report's rules.
func ruleByID(r *result.Report) map[string]model.Rule {
	m := make(map[string]model.Rule, len(r.Rules))
	for _, rl := range r.Rules {
		m[rl.ID] = rl
	}
	return m
}

// remediation is the finding's most concrete fix: its first computed Fix,
// else the rule's advice.
func remediation(f model.Finding, rules map[string]model.Rule) string {
	if len(f.Fixes) > 0 && f.Fixes[0].Summary != "" {
		return f.Fixes[0].Summary
	}
	if f.Remediation != "" {
		return f.Remediation
	}
	return rules[f.RuleID].Remediation
}

// chain writes a transitive path as "principal -> step -> step".
func chain(f model.Finding) string {
	if len(f.Path) == 0 {
		return ""
	}
	parts := []string{f.Path[0].From}
	for _, e := range f.Path {
		parts = append(parts, e.To)
	}
	return strings.Join(parts, " -> ")
}

// grantSource names the policy or binding of a grant:
// "POLICY [STATEMENT]", with "Deny " in front of a conditional deny.
func grantSource(g model.Grant) string {
	s := g.Policy
	if g.Statement != "" {
		s += " [" + g.Statement + "]"
	}
	if g.Effect == "Deny" {
		s = "Deny " + s
	}
	return s
}
