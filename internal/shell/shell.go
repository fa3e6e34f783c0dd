// Package shell quotes words for a POSIX shell, so that a command line
// built from values read from the inputs (user, role, project names...)
// passes each value to the program as exactly one argument, byte for byte,
// and never runs anything else, however the value is spelled.
//
// Build command lines with Join, from the program name and its arguments;
// never by formatting values into a command line.
package shell

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Quote returns s as one word of a POSIX shell (sh, dash, bash, ksh, zsh):
// unchanged when every byte is one of the safe characters A-Z a-z 0-9 and
// _ @ % + = : , . / -, otherwise in single quotes, each ' written '\”.
// The empty string is ”.
//
// Inside single quotes a POSIX shell expands nothing ($, `, \, !, *, ~,
// newlines and every other byte are literal), so the quoted word is s.
// A NUL byte cannot be part of any shell word (nor of any argument):
// values with one must be refused before they reach Quote.
func Quote(s string) string {
	if s == "" {
		return "''"
	}
	if safe(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Join quotes each argument and joins them with single spaces: the command
// line that runs args[0] with args[1:] as its arguments.
func Join(args ...string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = Quote(a)
	}
	return strings.Join(q, " ")
}

// safe reports whether every byte of s may stay bare.
func safe(s string) bool {
	for i := 0; i < len(s); i++ {
		if !safeByte(s[i]) {
			return false
		}
	}
	return true
}

func safeByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("_@%+=:,./-", c) >= 0
}

// OneLine makes s safe to write after a # on one line of a script: every
// run of white space (newline, carriage return, tab, vertical tab, form
// feed, NEL U+0085, the line and paragraph separators U+2028 and U+2029,
// ...) becomes one space, and every other control or formatting character
// (escape sequences, backspace, NUL, bidirectional overrides, invalid
// UTF-8) becomes U+FFFD, so that the text can neither end the comment nor
// disguise what follows it on a terminal.
func OneLine(s string) string {
	var b strings.Builder
	space := false
	for i, w := 0, 0; i < len(s); i += w {
		r, n := utf8.DecodeRuneInString(s[i:])
		w = n
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case r == utf8.RuneError && n == 1, unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			r = utf8.RuneError
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Comment is a whole comment line: "# " and OneLine(text).
func Comment(text string) string { return "# " + OneLine(text) }
