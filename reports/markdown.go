package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/result"
	"github.com/imagewarden/imagewarden/internal/inert"
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
func Markdown(w io.Writer, r *result.Report) error {
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
	if a := assumedLine(r); a != "" {
		fmt.Fprintf(&b, "\nAssumed: %s.\n", mdCell(a, mdBudget/4))
	}

	if len(r.Warnings) > 0 || !r.Summary.Complete {
		// Findings can only be missing, never wrong, when scope is
		// incomplete: say so before the table, where reviewers look.
		fmt.Fprintf(&b, "\n> [!WARNING]\n> **Incomplete scope**: %d input file(s) or scope(s) skipped, %d item(s) inside files skipped, %d warning(s); access may be missing from this report.\n",
			len(r.Summary.Skipped), r.Summary.SkippedItems(), len(r.Warnings))
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
// the clouds, and anyone can name a role) inert in a GitHub table cell,
// and is the only way such text enters the summary:
//
//   - on one line, with no terminal control: whitespace runs (newlines
//     included) become one space, every other control character, bidi
//     control and invalid byte is escaped by inert.Line;
//   - no HTML, code spans, links, images, emphasis, headings or cell
//     breaks: < > & as entities, the other markup characters
//     backslash-escaped (this also breaks <https://…> autolinks);
//   - no GitHub autolinks, mentions or references: a backslash does not
//     stop those (GitHub finds them in the rendered text, after escapes
//     and entities are decoded, so "\@team" and "&#64;team" still
//     notify the team). A zero-width space, written as the entity
//     &#8203; so that the Markdown stays plain ASCII, goes after every
//     "@" (no @mention, no email autolink: both need a letter or digit
//     right after it), after the ":" of "://" (no http://, https://,
//     ftp:// autolinks), between "www" and "." (no www. autolink), and
//     after a "#" or "GH-" before a digit (no #123 or GH-123 issue
//     reference). Bots that post to GitHub do the same (Renovate writes
//     "@&#8203;user"). The text still reads the same; the JSON report has
//     it exactly.
//
// The text is cut to max characters after the terminal escaping and
// before the Markdown escaping, so each cell is bounded (at most 8 bytes
// a character: "@&#8203;").
func mdCell(s string, max int) string {
	s = inert.Line(strings.Join(strings.Fields(s), " "))
	if r := []rune(s); len(r) > max {
		s = string(r[:max-1]) + "…"
	}
	const zwsp = "&#8203;"
	var b strings.Builder
	for i, c := range s {
		switch c {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '@':
			b.WriteString("@" + zwsp)
		case ':':
			b.WriteByte(':')
			if strings.HasPrefix(s[i+1:], "//") {
				b.WriteString(zwsp)
			}
		case '.':
			if i >= 3 && strings.EqualFold(s[i-3:i], "www") {
				b.WriteString(zwsp)
			}
			b.WriteByte('.')
		case '#':
			b.WriteString(`\#`)
			if digitAt(s, i+1) {
				b.WriteString(zwsp)
			}
		case '-':
			b.WriteByte('-')
			if i >= 2 && strings.EqualFold(s[i-2:i], "gh") && digitAt(s, i+1) {
				b.WriteString(zwsp)
			}
		case '\\', '`', '*', '_', '[', ']', '|', '~', '!':
			b.WriteByte('\\')
			b.WriteRune(c)
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// digitAt reports whether s has an ASCII digit at byte i.
func digitAt(s string, i int) bool { return i < len(s) && s[i] >= '0' && s[i] <= '9' }

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
