package reports

import (
	"bytes"
	"io"
	"slices"
	"strings"

	"github.com/mattn/go-runewidth"
)

// DefaultWidth is the width a table is fitted to when the command line
// knows no better: standard output is not a terminal and COLUMNS is not
// set (docs/reports.md).
const DefaultWidth = 120

// minColumn is the narrowest a fitted column gets: below 7*(minColumn+3)+1
// columns the table cannot fit and is drawn at that width.
const minColumn = 4

// conditionSummary is how much of a long condition a fitted table shows.
const conditionSummary = 40

// displayWidth is the width of s on a terminal (East Asian ambiguous
// characters as one column).
var displayWidth = (&runewidth.Condition{EastAsianWidth: false}).StringWidth

// columnWidths shares avail (the width left for the cells' text once
// borders and padding are counted) among columns: first up to each
// column's typical width (what most of its lines need), then up to its
// widest line. At each step a column that needs less than an equal share
// keeps what it needs, and the others share the rest equally.
func columnWidths(typical, widest []int, avail int) []int {
	out := share(typical, avail)
	left := avail
	for _, w := range out {
		left -= w
	}
	if left > 0 {
		more := make([]int, len(widest))
		for i := range widest {
			more[i] = max(widest[i]-out[i], 0)
		}
		for i, m := range share(more, left) {
			out[i] += m
		}
	}
	for i := range out {
		out[i] = max(out[i], min(minColumn, max(widest[i], 1)))
	}
	return out
}

// share divides avail among wants, none getting more than it wants.
func share(wants []int, avail int) []int {
	out := make([]int, len(wants))
	done := make([]bool, len(wants))
	left, open := avail, len(wants)
	for changed := true; changed && open > 0; {
		changed = false
		each := left / open
		for i, w := range wants {
			if !done[i] && w <= each {
				done[i], out[i] = true, w
				left -= w
				open--
				changed = true
			}
		}
	}
	if open > 0 {
		each, extra := left/open, left%open
		for i := range wants {
			if done[i] {
				continue
			}
			out[i] = max(each, 0)
			if extra > 0 {
				out[i]++
				extra--
			}
		}
	}
	return out
}

// typicalWidth is the width that nine lines in ten of a column fit.
func typicalWidth(widths []int) int {
	if len(widths) == 0 {
		return 0
	}
	s := slices.Clone(widths)
	slices.Sort(s)
	return s[(len(s)-1)*9/10]
}

// wrapCell wraps every line of a cell to width at its spaces; a word
// wider than width is cut (cutToken).
func wrapCell(s string, width int) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		out = append(out, wrapLine(line, width, "")...)
	}
	return strings.Join(out, "\n")
}

// wrapLine breaks a line at its spaces into lines no wider than width,
// the continuation lines indented like the line plus indent. Runs of
// spaces inside a wrapped line become one.
func wrapLine(line string, width int, indent string) []string {
	if displayWidth(line) <= width {
		return []string{line}
	}
	lead := line[:len(line)-len(strings.TrimLeft(line, " "))]
	if len(lead)+minColumn > width {
		lead = ""
	}
	cont := lead + indent
	if len(cont)+minColumn > width {
		cont = lead
	}
	var out []string
	prefix, cur := lead, ""
	flush := func() {
		if cur != "" {
			out = append(out, prefix+cur)
			prefix, cur = cont, ""
		}
	}
	for _, w := range strings.Fields(line) {
		if cur != "" && displayWidth(prefix+cur)+1+displayWidth(w) <= width {
			cur += " " + w
			continue
		}
		flush()
		cur = cutToken(w, width-len(prefix))
	}
	flush()
	if len(out) == 0 {
		out = []string{""}
	}
	return out
}

// cutToken shortens a word to width with "…": an ARN, a path or a
// resource name keeps its distinguishing tail
// ("…:repository/golden/base-ubuntu"), any other word its head.
func cutToken(w string, width int) string {
	if displayWidth(w) <= width {
		return w
	}
	if width <= 1 {
		return strings.Repeat("…", max(width, 0))
	}
	r := []rune(w)
	if strings.ContainsAny(w, ":/") {
		i := len(r)
		for i > 0 && displayWidth(string(r[i-1:]))+1 <= width {
			i--
		}
		tail := r[i:]
		// Start at a separator when one is near: "…:repository/x", not
		// "…1:repository/x".
		for j, c := range tail[:len(tail)/3] {
			if c == ':' || c == '/' {
				tail = tail[j:]
				break
			}
		}
		return "…" + string(tail)
	}
	i := 0
	for i < len(r) && displayWidth(string(r[:i+1]))+1 <= width {
		i++
	}
	return string(r[:i]) + "…"
}

// summariseCondition keeps a fitted table's condition to a line.
func summariseCondition(c string) string {
	r := []rune(c)
	if len(r) <= conditionSummary+len(" (condition: see --wide or JSON)") {
		return c
	}
	return string(r[:conditionSummary]) + "… (condition: see --wide or JSON)"
}

// fitWriter wraps the lines written to it that are wider than width (the
// lines under the table: fixes, inputs, warnings), continuation lines
// indented. Lines are held until their newline; Flush writes the last.
type fitWriter struct {
	w       io.Writer
	width   int
	pending []byte
}

func (f *fitWriter) Write(p []byte) (int, error) {
	f.pending = append(f.pending, p...)
	for {
		i := bytes.IndexByte(f.pending, '\n')
		if i < 0 {
			return len(p), nil
		}
		if err := f.line(string(f.pending[:i]), "\n"); err != nil {
			return 0, err
		}
		f.pending = f.pending[i+1:]
	}
}

func (f *fitWriter) line(l, end string) error {
	_, err := io.WriteString(f.w, strings.Join(wrapLine(l, f.width, "    "), "\n")+end)
	return err
}

// Flush writes a last line without its newline.
func (f *fitWriter) Flush() error {
	if len(f.pending) == 0 {
		return nil
	}
	l := string(f.pending)
	f.pending = nil
	return f.line(l, "")
}

// FitWriter wraps the lines written to out that are wider than width, as
// the lines under analyze's table are; call flush when done. width 0
// returns out unchanged.
func FitWriter(out io.Writer, width int) (w io.Writer, flush func() error) {
	if width <= 0 {
		return out, func() error { return nil }
	}
	f := &fitWriter{w: out, width: width}
	return f, f.Flush
}
