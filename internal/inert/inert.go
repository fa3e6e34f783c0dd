// Package inert makes text from the inputs safe to print on a terminal.
//
// Names, statement Sids, conditions, file names and error messages come
// from files anyone can write (a role can be named by whoever may create
// roles). Printed raw, an ESC sequence in one of them can retitle the
// terminal (OSC 0), clear the screen (CSI 2J), forge a hyperlink (OSC 8),
// a carriage return can overwrite the start of the line (the severity
// column), and a bidi override can make a line read differently from what
// it holds. Every text renderer of imagewarden passes such values through
// this package before they reach the terminal.
//
// What is escaped, as a visible escape, so that nothing is hidden:
//
//   - C0 controls (U+0000–U+001F) and DEL: "\n", "\r", "\t" as such, the
//     others as "\xHH" (ESC is "\x1b", BEL "\x07"). A caller may let "\n"
//     and "\t" through (Escape with Newline, Tab; Lines keeps "\n" for the
//     multi-line cells of a table);
//   - C1 controls (U+0080–U+009F), which some terminals obey like ESC
//     sequences: "\u009b";
//   - the bidi controls: embeddings and overrides U+202A–U+202E, isolates
//     U+2066–U+2069 and the marks U+200E, U+200F and U+061C ("Trojan
//     Source", CVE-2021-42574): "\u202e";
//   - the line and paragraph separators U+2028 and U+2029: "\u2028";
//   - every byte that is not part of valid UTF-8: "\xHH" (so a lone 0x9b,
//     the 8-bit CSI, is shown and never sent).
//
// A backslash is left as it is. The output is for people, never parsed
// back: a name that holds the four characters `\x1b` looks like one that
// held an ESC, and the JSON report has the exact value of both. Leaving
// backslashes alone keeps Windows paths and regular expressions readable,
// and makes escaping idempotent: the output holds nothing Escape changes,
// so text escaped twice (a label built from escaped parts, then passed
// through a renderer's cell helper) shows the same as text escaped once.
package inert

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Allow lists the controls a caller lets through unescaped.
type Allow uint8

const (
	// Newline lets "\n" through: for multi-line table cells and text.
	Newline Allow = 1 << iota
	// Tab lets "\t" through.
	Tab
)

// Line escapes s for one line of terminal output: every control
// character, "\n" and "\t" included.
func Line(s string) string { return Escape(s, 0) }

// Lines escapes s for a multi-line terminal table cell: "\n" is kept,
// every other control character is escaped.
func Lines(s string) string { return Escape(s, Newline) }

// Escape returns s with every character that could control a terminal
// shown as a visible escape (see the package documentation); the
// characters in allow are kept. s is returned as is when it holds nothing
// to escape.
func Escape(s string, allow Allow) string {
	i := firstEscape(s, allow)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			writeHex(&b, 'x', uint32(s[i]), 2)
		case !needsEscape(c, allow):
			b.WriteString(s[i : i+size])
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x80:
			writeHex(&b, 'x', uint32(c), 2)
		default:
			writeHex(&b, 'u', uint32(c), 4)
		}
		i += size
	}
	return b.String()
}

// firstEscape is the byte index of the first character Escape changes,
// or -1.
func firstEscape(s string, allow Allow) int {
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if needsEscape(rune(b), allow) {
				return i
			}
			i++
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if (c == utf8.RuneError && size == 1) || needsEscape(c, allow) {
			return i
		}
		i += size
	}
	return -1
}

// needsEscape reports whether a (valid) character is escaped.
func needsEscape(c rune, allow Allow) bool {
	switch {
	case c == '\n':
		return allow&Newline == 0
	case c == '\t':
		return allow&Tab == 0
	case c < 0x20, c == 0x7f, c >= 0x80 && c <= 0x9f:
		return true
	case c == 0x061c, c == 0x200e, c == 0x200f,
		c >= 0x202a && c <= 0x202e, c >= 0x2066 && c <= 0x2069,
		c == 0x2028, c == 0x2029:
		return true
	}
	return false
}

func writeHex(b *strings.Builder, kind byte, v uint32, digits int) {
	const hex = "0123456789abcdef"
	b.WriteByte('\\')
	b.WriteByte(kind)
	for d := digits - 1; d >= 0; d-- {
		b.WriteByte(hex[(v>>(4*d))&0xf])
	}
}

// Sprintf is fmt.Sprintf with every operand but numbers and booleans
// (strings, errors, Stringers, slices, anything) escaped with Line after
// it is formatted. The format itself is trusted: it is the program's own
// text, and its "\n" are printed.
func Sprintf(format string, args ...any) string {
	return fmt.Sprintf(format, operands(args)...)
}

// Fprintf is fmt.Fprintf with the operands escaped as by Sprintf: a
// renderer that prints every line with it cannot forget a value.
func Fprintf(w io.Writer, format string, args ...any) (int, error) {
	return fmt.Fprintf(w, format, operands(args)...)
}

// Fprintln is fmt.Fprintln with every operand escaped with Line.
func Fprintln(w io.Writer, args ...any) (int, error) {
	return fmt.Fprintln(w, operands(args)...)
}

func operands(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch a.(type) {
		case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, uintptr,
			float32, float64, complex64, complex128, bool:
			// Nothing to escape; left as they are so that %*d works.
			out[i] = a
		default:
			out[i] = operand{a}
		}
	}
	return out
}

// operand formats its value with the verb, flags, width and precision it
// is printed with, then escapes the result (so a width counts the text
// before escaping).
type operand struct{ v any }

func (o operand) Format(f fmt.State, verb rune) {
	io.WriteString(f, Line(fmt.Sprintf(fmt.FormatString(f, verb), o.v)))
}

// Writer escapes everything written through it with Escape (the
// characters in its Allow kept): the last line of defence of a renderer,
// so that a helper that forgets to escape a value still prints it inert.
// It cannot tell a name's "\n" from the renderer's own, so values are
// still escaped one by one with Line. A multi-byte character split across
// two writes is held back until it is whole; Flush escapes what is held
// when the output ends.
type Writer struct {
	w       io.Writer
	allow   Allow
	pending []byte
}

// NewWriter returns a Writer that writes to w.
func NewWriter(w io.Writer, allow Allow) *Writer { return &Writer{w: w, allow: allow} }

// Write escapes p and writes it; it reports len(p) written on success.
func (w *Writer) Write(p []byte) (int, error) {
	buf := p
	if len(w.pending) > 0 {
		buf = append(w.pending, p...)
		w.pending = nil
	}
	// Hold back an incomplete character at the end (at most 3 bytes).
	cut := len(buf)
	for i := len(buf) - 1; i >= 0 && i >= len(buf)-3; i-- {
		if utf8.RuneStart(buf[i]) {
			if !utf8.FullRune(buf[i:]) {
				cut = i
			}
			break
		}
	}
	w.pending = append(w.pending[:0], buf[cut:]...)
	if _, err := io.WriteString(w.w, Escape(string(buf[:cut]), w.allow)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes what is held back, escaped (an incomplete character is
// shown as its bytes).
func (w *Writer) Flush() error {
	if len(w.pending) == 0 {
		return nil
	}
	s := Escape(string(w.pending), w.allow)
	w.pending = nil
	_, err := io.WriteString(w.w, s)
	return err
}

// Multi marks a multi-line table cell whose lines are already escaped
// one by one (built with JoinLines): Cells keeps its "\n".
type Multi string

// Cells makes the cells of a table row inert, for table libraries that
// take ...any. A string (any value but a Multi) is escaped on one line
// with Line; a Multi keeps its "\n" and has every other control character
// escaped (Lines). A renderer appends every row through Cells, so a new
// column cannot forget, and is single-line unless built as a Multi.
func Cells(values ...any) []any {
	out := make([]any, len(values))
	for i, v := range values {
		switch v := v.(type) {
		case Multi:
			out[i] = Lines(string(v))
		case string:
			out[i] = Line(v)
		default:
			out[i] = Line(fmt.Sprint(v))
		}
	}
	return out
}

// JoinLines builds a multi-line cell: each line escaped with Line, so that
// a value's own "\n" cannot start a line, then joined with "\n".
func JoinLines(lines []string) string {
	esc := make([]string, len(lines))
	for i, l := range lines {
		esc[i] = Line(l)
	}
	return strings.Join(esc, "\n")
}
