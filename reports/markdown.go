package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/model"
)

// Bounds of the Markdown summary. GitHub refuses comments over 65,536
// characters; the summary stays well under it whatever the report, since
// every cell, warning and row count is capped and the table stops when
// the budget is spent.
const (
	mdTopFindings = 20
	mdMaxWarnings = 10
	mdMaxCell     = 160
	mdBudget      = 60000
)

// Markdown writes a short summary for a ticket or a pull-request comment:
// counts by severity, the top unsuppressed findings, what the analysis
// could not see. The CSV, JSON and SARIF reports carry the rest.
func Markdown(w io.Writer, r *analyzer.Report) error {
	var b strings.Builder
	var open, suppressed []model.Finding
	bySev := map[string]int{}
	for _, f := range ordered(r.Findings) {
		if f.Suppression != nil {
			suppressed = append(suppressed, f)
			continue
		}
		open = append(open, f)
		bySev[f.Severity]++
	}
	b.WriteString("## imagewarden: who can implant an image (MITRE ATT&CK T1525)\n\n")
	fmt.Fprintf(&b, "**%d open findings**", len(open))
	var parts []string
	for _, s := range []string{"critical", "high", "medium", "low", "info"} {
		if n := bySev[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	if len(parts) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(parts, ", "))
	}
	fmt.Fprintf(&b, "; %d suppressed; %d inputs read, %d skipped; %d principals, %d resources.\n",
		len(suppressed), r.Summary.FilesRead, r.Summary.FilesSkipped, r.Summary.Principals, r.Summary.Resources)
	fmt.Fprintf(&b, "\nEvaluated: %s.\n", mdCell(coverageLine(r), mdBudget/4))

	if len(r.Warnings) > 0 || !r.Summary.Complete {
		// Findings can only be missing, never wrong, when scope is
		// incomplete: say so before the table, where reviewers look.
		fmt.Fprintf(&b, "\n> [!WARNING]\n> **Incomplete scope**: %d input file(s) or scope(s) skipped, %d item(s) inside files skipped, %d warning(s); access may be missing from this report.\n",
			len(r.Summary.Skipped), skippedItems(r), len(r.Warnings))
		for i, sk := range r.Summary.Skipped {
			if i == mdMaxWarnings {
				fmt.Fprintf(&b, "> - and %d more skipped (see the JSON report)\n", len(r.Summary.Skipped)-mdMaxWarnings)
				break
			}
			fmt.Fprintf(&b, "> - **skipped** %s\n", mdCell(sk, 2*mdMaxCell))
		}
		for i, wn := range r.Warnings {
			if i == mdMaxWarnings {
				fmt.Fprintf(&b, "> - and %d more (see the JSON report)\n", len(r.Warnings)-mdMaxWarnings)
				break
			}
			msg := wn.Message
			if wn.Where != "" {
				msg = wn.Where + ": " + msg
			}
			fmt.Fprintf(&b, "> - %s\n", mdCell(msg, 2*mdMaxCell))
		}
	}

	if len(open) > 0 {
		b.WriteString("\n| Severity | Rule | Principal | Capability | Access | Where | Fix |\n|---|---|---|---|---|---|---|\n")
		shown := 0
		for _, f := range open {
			line := fmt.Sprintf("| %s | %s | %s | %s | %s | %s | %s |\n", mdCell(f.Severity, mdMaxCell), mdCell(f.RuleID, mdMaxCell),
				mdCell(principalLabelLine(f), mdMaxCell), mdCell(f.Capability, mdMaxCell), mdCell(string(f.Access), mdMaxCell), mdCell(mdWhere(f), mdMaxCell),
				mdCell(mdFix(f), mdMaxCell))
			if shown == mdTopFindings || b.Len()+len(line) > mdBudget {
				break
			}
			b.WriteString(line)
			shown++
		}
		if rest := len(open) - shown; rest > 0 {
			fmt.Fprintf(&b, "\n…and %d more (see the CSV or SARIF report).\n", rest)
		}
	} else {
		b.WriteString("\nNo open findings.\n")
	}
	fmt.Fprintf(&b, "\n<sub>imagewarden %s, rule bundle %s, %s</sub>\n", mdCell(r.Version, 40), mdCell(short(r.RuleBundle, 12), 12), r.GeneratedAt.Format("2006-01-02 15:04 UTC"))
	_, err := io.WriteString(w, b.String())
	return err
}

// principalLabelLine is the table's principal label on one line.
func principalLabelLine(f model.Finding) string {
	return strings.ReplaceAll(principalLabel(f), "\n", " in ")
}

// mdWhere says where the access holds: the chain's end for transitive
// access, else the first resource and how many more.
func mdWhere(f model.Finding) string {
	if len(f.Path) > 0 {
		return fmt.Sprintf("via %d step(s) to %s", len(f.Path), f.Path[len(f.Path)-1].To)
	}
	if len(f.Targets) == 0 {
		return ""
	}
	s := shortResource(f.Targets[0])
	if n := len(f.Targets) - 1; n > 0 {
		s += fmt.Sprintf(" (+%d more)", n)
	}
	return s
}

// mdCell makes untrusted text (principal and resource names come from
// the clouds, and anyone can name a role) inert in a GitHub table cell:
// no HTML, no code spans, links or emphasis, no cell breaks; cut to max
// characters before escaping so the bound holds.
func mdCell(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		s = string(r[:max-1]) + "…"
	}
	var b strings.Builder
	for _, c := range s {
		switch c {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '\\', '`', '*', '_', '[', ']', '|', '~', '#', '!':
			b.WriteByte('\\')
			b.WriteRune(c)
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

func short(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// mdFix is the finding's narrowest verified fix, in one line.
func mdFix(f model.Finding) string {
	if len(f.Fixes) == 0 {
		return "-"
	}
	return f.Fixes[0].Kind + ": " + f.Fixes[0].Summary
}
