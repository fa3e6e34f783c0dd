package inert

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscape(t *testing.T) {
	for _, c := range []struct {
		in    string
		allow Allow
		want  string
	}{
		{"", 0, ""},
		{"role/ci-pusher", 0, "role/ci-pusher"},
		{"naïve 日本 🚀 émoji", 0, "naïve 日本 🚀 émoji"},
		{"\x1b]0;PWNED\x07", 0, `\x1b]0;PWNED\x07`},
		{"\x1b[2J", 0, `\x1b[2J`},
		{"\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", 0, `\x1b]8;;http://evil\x1b\link\x1b]8;;\x1b\`},
		{"critical\rinfo", 0, `critical\rinfo`},
		{"a\nb\tc", 0, `a\nb\tc`},
		{"a\nb\tc", Newline, "a\nb\\tc"},
		{"a\nb\tc", Tab, "a\\nb\tc"},
		{"a\nb\tc\r", Newline | Tab, "a\nb\tc\\r"},
		{"\x00\x01\x1f\x7f", 0, `\x00\x01\x1f\x7f`},
		{"\u0080\u009b\u009f\u00a0", 0, `\u0080\u009b\u009f` + "\u00a0"},
		{"abc\u202edcba", 0, `abc\u202edcba`},
		{"\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069", 0, `\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069`},
		{"\u200e\u200f\u061c", 0, `\u200e\u200f\u061c`},
		{"line\u2028para\u2029", 0, `line\u2028para\u2029`},
		{"bad \x9b2J \xff\xfe", 0, `bad \x9b2J \xff\xfe`},
		{"cut \xe2\x80", 0, `cut \xe2\x80`},
		{`C:\Users\x1b`, 0, `C:\Users\x1b`}, // backslashes are not escaped
		{"\ufffd stays", 0, "\ufffd stays"}, // a valid U+FFFD is text
	} {
		if got := Escape(c.in, c.allow); got != c.want {
			t.Errorf("Escape(%q, %d) = %q, want %q", c.in, c.allow, got, c.want)
		}
	}
	if Line("a\nb") != `a\nb` || Lines("a\nb\x1b") != "a\nb\\x1b" {
		t.Error("Line escapes newlines, Lines keeps them")
	}
}

// A string with nothing to escape is returned as is, without a copy.
func TestEscapeNoAllocation(t *testing.T) {
	s := strings.Repeat("arn:aws:iam::111122223333:role/ci ", 10)
	if n := testing.AllocsPerRun(100, func() { _ = Line(s) }); n != 0 {
		t.Errorf("%v allocations for a clean string", n)
	}
}

func TestFprintf(t *testing.T) {
	var b bytes.Buffer
	type named string
	Fprintf(&b, "%s|%v|%q|%d|%*d|%v|%s|%-6s|%v\n", "a\x1bb", errors.New("e\rr"), "q\x07", 42, 3, 7, []string{"x\x1b", "y"},
		named("n\x1b"), "p\x1b", fmt.Stringer(stringer("s\u202e")))
	want := `a\x1bb|e\rr|"q\a"|42|  7|[x\x1b y]|n\x1b|p\x1b    |s\u202e` + "\n" // width counts the text before escaping
	if b.String() != want {
		t.Errorf("Fprintf:\n got %q\nwant %q", b.String(), want)
	}
	b.Reset()
	Fprintln(&b, "x\ny", 1)
	if b.String() != "x\\ny 1\n" {
		t.Errorf("Fprintln: %q", b.String())
	}
	if s := Sprintf("%s", "\x1b"); s != `\x1b` {
		t.Errorf("Sprintf: %q", s)
	}
}

func TestCells(t *testing.T) {
	got := Cells("a\nb\x1b", Multi("a\nb\x1b"), 3)
	if len(got) != 3 || got[0] != "a\\nb\\x1b" || got[1] != "a\nb\\x1b" || got[2] != "3" {
		t.Errorf("Cells: %q", got)
	}
	if s := JoinLines([]string{"x\ny", "z\x07"}); s != "x\\ny\nz\\x07" {
		t.Errorf("JoinLines: %q", s)
	}
}

type stringer string

func (s stringer) String() string { return string(s) }

// checkInert fails unless out is valid UTF-8 without a character Escape
// changes (but those allowed).
func checkInert(t *testing.T, in, out string, allow Allow) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("Escape(%q) = %q: not valid UTF-8", in, out)
	}
	for i, c := range out {
		if c < 0x20 && !(c == '\n' && allow&Newline != 0) && !(c == '\t' && allow&Tab != 0) || c == 0x7f {
			t.Fatalf("Escape(%q) = %q: control byte %#x at %d", in, out, c, i)
		}
		if needsEscape(c, allow) {
			t.Fatalf("Escape(%q) = %q: %U at %d", in, out, c, i)
		}
	}
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b]0;PWNED\x07", "\x1b[2J\r\n\t", "\u202e\u2028\x9b\xff", "a\\x1b", "\xe2\x80\xae", "\xc2\x9b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, allow := range []Allow{0, Newline, Tab, Newline | Tab} {
			out := Escape(s, allow)
			checkInert(t, s, out, allow)
			if again := Escape(out, allow); again != out {
				t.Fatalf("not idempotent: %q -> %q -> %q", s, out, again)
			}
			if firstEscape(s, allow) < 0 && out != s {
				t.Fatalf("clean %q changed to %q", s, out)
			}
			if allow == 0 && strings.ContainsAny(out, "\n\t") {
				t.Fatalf("Line(%q) = %q keeps a newline or tab", s, out)
			}
		}
		checkInert(t, s, Sprintf("%s %v %q", s, []string{s}, s), 0)
	})
}

// The Writer gives what Escape gives, however the text is cut into
// writes.
func TestWriter(t *testing.T) {
	in := "a\x1b[2J é🚀\u202e\n\xff\xe2\x80 end\xf0\x9f"
	want := Escape(in, Newline)
	for size := 1; size <= len(in); size++ {
		var b bytes.Buffer
		w := NewWriter(&b, Newline)
		for i := 0; i < len(in); i += size {
			n, err := w.Write([]byte(in[i:min(i+size, len(in))]))
			if err != nil || n != min(size, len(in)-i) {
				t.Fatalf("Write: %d, %v", n, err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if b.String() != want {
			t.Errorf("writes of %d bytes: %q, want %q", size, b.String(), want)
		}
	}
}
