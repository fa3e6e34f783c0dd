package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/result"
	"github.com/imagewarden/imagewarden/internal/inert"
)

// Every report says what the analysis read and what it skipped, so that
// "no findings" can never be mistaken for "nothing read" (docs/security.md).

// coverageLine counts the items each cloud's inputs held:
// "aws: 16 principals, 3 groups, 20 policies; gcp: 22 bindings (1 skipped)".
func coverageLine(r *result.Report) string {
	var clouds []string
	var cur string
	var items []string
	flush := func() {
		if cur != "" {
			clouds = append(clouds, cur+": "+strings.Join(items, ", "))
		}
	}
	for _, c := range r.Summary.Counts {
		if c.Cloud != cur {
			flush()
			cur, items = c.Cloud, nil
		}
		s := fmt.Sprintf("%d %s", c.Evaluated, c.Item)
		var extra []string
		if c.Skipped > 0 {
			extra = append(extra, fmt.Sprintf("%d skipped", c.Skipped))
		}
		if c.Duplicates > 0 {
			extra = append(extra, fmt.Sprintf("%d duplicates", c.Duplicates))
		}
		if len(extra) > 0 {
			s += " (" + strings.Join(extra, ", ") + ")"
		}
		items = append(items, s)
	}
	flush()
	if len(clouds) == 0 {
		return "no items read"
	}
	return strings.Join(clouds, "; ")
}

// completeness is the one-line verdict on scope: "complete" or what is
// missing.
func completeness(r *result.Report) string {
	s := r.Summary
	if s.Complete {
		return fmt.Sprintf("complete: %d input files read, nothing skipped", s.FilesRead)
	}
	return fmt.Sprintf("INCOMPLETE: %d input files read; %d files or scopes skipped, %d items inside files skipped; access may be missing",
		s.FilesRead, len(s.Skipped), r.Summary.SkippedItems())
}

// writeCoverage is the table's account of scope, right under the counts:
// what was evaluated, and every file or scope skipped.
func writeCoverage(w io.Writer, r *result.Report) {
	fmt.Fprintf(w, "Evaluated: %s.\n", coverageLine(r))
	fmt.Fprintf(w, "Scope: %s.\n", completeness(r))
	if a := assumedLine(r); a != "" {
		inert.Fprintf(w, "Assumed: %s.\n", a)
	}
	for _, s := range r.Summary.Skipped {
		inert.Fprintf(w, "  SKIPPED %s\n", s)
	}
}

// assumedLine says which "can act as" edges were drawn without the
// inventory that would settle them, by service and scope; "" when none
// was. It bounds its length: an organization can miss the inventory of
// many services in thousands of accounts.
func assumedLine(r *result.Report) string {
	s := r.Summary
	if s.AssumedEdges == 0 {
		return ""
	}
	const most = 6
	var clouds []string
	var cur string
	var parts []string
	flush := func() {
		if cur != "" {
			clouds = append(clouds, cur+": "+strings.Join(parts, ", "))
		}
	}
	for i, g := range s.Assumed {
		if i == most {
			flush()
			cur = ""
			clouds = append(clouds, fmt.Sprintf("and %d more", len(s.Assumed)-most))
			break
		}
		if g.Cloud != cur {
			flush()
			cur, parts = g.Cloud, nil
		}
		var in []string
		if len(g.Scopes) == 1 {
			in = append(in, g.Scopes[0])
		} else if len(g.Scopes) > 1 {
			in = append(in, plural(len(g.Scopes), scopeWord[g.Cloud]))
		}
		in = append(in, plural(g.Edges, "edge"))
		parts = append(parts, g.What+" ("+strings.Join(in, ", ")+")")
	}
	flush()
	return fmt.Sprintf("%s drawn without the inventory that would settle them; chains through them may not exist (docs/inputs.md says which input settles them): %s",
		plural(s.AssumedEdges, "edge"), strings.Join(clouds, "; "))
}

// scopeWord names a cloud's unit of scope, for counts.
var scopeWord = map[string]string{"aws": "account", "gcp": "project", "azure": "subscription"}

func plural(n int, word string) string {
	if word == "" {
		word = "scope"
	}
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
