package shell

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestQuote(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "''"},
		{"developers", "developers"},
		{"arn:aws:iam::111122223333:user/ci-bot", "arn:aws:iam::111122223333:user/ci-bot"},
		{"user:a.b+c@example.com", "user:a.b+c@example.com"},
		{"--condition=None", "--condition=None"},
		{"50%_off,=", "50%_off,="},
		{"-leading-dash", "-leading-dash"},
		{"two words", "'two words'"},
		{"it's", `'it'\''s'`},
		{"'", `''\'''`},
		{"''", `''\'''\'''`},
		{"$(touch PWNED)", "'$(touch PWNED)'"},
		{"`touch PWNED`", "'`touch PWNED`'"},
		{"a;b", "'a;b'"},
		{"a&&b", "'a&&b'"},
		{"a|b", "'a|b'"},
		{"a\nb", "'a\nb'"},
		{"a\rb", "'a\rb'"},
		{`"quoted"`, `'"quoted"'`},
		{`back\slash`, `'back\slash'`},
		{"*", "'*'"},
		{"~", "'~'"},
		{"~root", "'~root'"},
		{"{artifact}", "'{artifact}'"},
		{"file://{artifact}", "'file://{artifact}'"},
		{"!history", "'!history'"},
		{"#not-a-comment", "'#not-a-comment'"},
		{"a=b", "a=b"},
		{"é", "'é'"},
		{"\xff", "'\xff'"},
	}
	for _, c := range cases {
		if got := Quote(c.in); got != c.want {
			t.Errorf("Quote(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestJoin(t *testing.T) {
	cases := []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"aws"}, "aws"},
		{[]string{"aws", "iam", "put-user-policy", "--user-name", "ci$(touch PWNED)"}, "aws iam put-user-policy --user-name 'ci$(touch PWNED)'"},
		{[]string{"echo", "", "x"}, "echo '' x"},
		{[]string{"az", "role", "assignment", "create", "--role", "Owner without image writes 9955960a"}, "az role assignment create --role 'Owner without image writes 9955960a'"},
	}
	for _, c := range cases {
		if got := Join(c.in...); got != c.want {
			t.Errorf("Join(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestOneLine(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"  plain   text ", "plain text"},
		{"a\nb", "a b"},
		{"a\r\nb", "a b"},
		{"a\rtouch PWNED", "a touch PWNED"},
		{"a\u2028b\u2029c", "a b c"},
		{"a\u0085b", "a b"},
		{"a\vb\fc\td", "a b c d"},
		{"a\x1b[2Kb", "a\ufffd[2Kb"},
		{"a\x00b\x08c\x7f", "a\ufffdb\ufffdc\ufffd"},
		{"a\u202eb\u2066c", "a\ufffdb\ufffdc"},
		{"a\xffb", "a\ufffdb"},
		{"\u0085\u2028", ""},
		{"ünïcödé 名前", "ünïcödé 名前"},
	}
	for _, c := range cases {
		if got := OneLine(c.in); got != c.want {
			t.Errorf("OneLine(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := Comment(c.in); strings.ContainsAny(got, "\n\r\v\f\u0085\u2028\u2029") {
			t.Errorf("Comment(%q) = %q spans lines", c.in, got)
		}
	}
}

// hostile are values that run a command, or change the word count, when
// they reach a shell unquoted. The only command any of them runs is
// touch PWNED (or an equivalent redirection): a marker file.
var hostile = []string{
	"$(touch PWNED)",
	"`touch PWNED`",
	"x; touch PWNED",
	"x && touch PWNED",
	"x || touch PWNED",
	"x | touch PWNED",
	"x & touch PWNED",
	"x\ntouch PWNED",
	"x\rtouch PWNED",
	"x\r\ntouch PWNED\r\n",
	"x\u2028touch PWNED",
	"x\x85touch PWNED",
	"x\vtouch PWNED\f",
	"x >PWNED",
	"'; touch PWNED; '",
	"'\"'\"$(touch PWNED)\"'\"'",
	`"$(touch PWNED)"`,
	`\'$(touch PWNED)\'`,
	`back\slash\`,
	`\`,
	"'",
	"''",
	`"`,
	"*",
	"/*",
	"~",
	"~root",
	"$HOME",
	"${HOME}",
	"$((1+1))",
	"$0",
	"!!",
	"#comment",
	"a #comment",
	"-n",
	"-e",
	"--help",
	"-",
	"--",
	"x=$(touch PWNED)",
	"{a,b}",
	"[a-z]",
	"?",
	"(touch PWNED)",
	"<PWNED",
	"ünïcödé 名前 🚀",
	"\u202etouch PWNED",
	"\xff\xfe",
	"\t",
	" ",
	"",
	"a\x01b\x1bc\x7f",
}

// roundTrip runs printf '%s\n' with the joined arguments through /bin/sh in
// a fresh directory and returns what each argument became, and whether a
// marker file appeared.
func roundTrip(t testing.TB, args []string) ([]string, bool) {
	t.Helper()
	dir := t.TempDir()
	// printf '%s\n' "$@" would be ambiguous for values with newlines:
	// length-prefixed records (LEN:BYTES;) survive any byte.
	script := `rec() { for a; do printf '%s:%s;' "${#a}" "$a"; done; }; rec `
	cmd := exec.Command("/bin/sh", "-c", script+Join(args...))
	cmd.Dir = dir
	cmd.Env = []string{"HOME=" + dir, "PATH=" + filepath.Join(dir, "no-such-bin"), "LC_ALL=C"}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("sh: %v\nstderr: %s\nscript: %q", err, stderr.String(), cmd.Args[2])
	}
	got, err := parseRecords(stdout.Bytes())
	if err != nil {
		t.Fatalf("%v: %q", err, stdout.String())
	}
	_, statErr := os.Stat(filepath.Join(dir, "PWNED"))
	return got, statErr == nil
}

// parseRecords reads LEN:BYTES; records (LEN in bytes: LC_ALL=C).
func parseRecords(out []byte) ([]string, error) {
	var got []string
	for len(out) > 0 {
		i := bytes.IndexByte(out, ':')
		if i < 0 {
			return nil, errBadRecord
		}
		n := 0
		for _, c := range out[:i] {
			if c < '0' || c > '9' {
				return nil, errBadRecord
			}
			n = n*10 + int(c-'0')
		}
		out = out[i+1:]
		if len(out) < n+1 || out[n] != ';' {
			return nil, errBadRecord
		}
		got = append(got, string(out[:n]))
		out = out[n+1:]
	}
	return got, nil
}

type recordError struct{}

func (recordError) Error() string { return "malformed output" }

var errBadRecord error = recordError{}

func requireSh(t testing.TB) {
	t.Helper()
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skipf("no /bin/sh to run the quoted words through (%v): the round trip needs a POSIX shell", err)
	}
}

// TestJoinThroughShell: every hostile value comes back from sh byte for
// byte as one argument, and nothing else runs.
func TestJoinThroughShell(t *testing.T) {
	requireSh(t)
	got, pwned := roundTrip(t, hostile)
	if pwned {
		t.Fatal("a quoted value ran a command: PWNED exists")
	}
	if len(got) != len(hostile) {
		t.Fatalf("%d arguments came back, want %d: %q", len(got), len(hostile), got)
	}
	for i := range hostile {
		if got[i] != hostile[i] {
			t.Errorf("argument %d: got %q, want %q", i, got[i], hostile[i])
		}
	}
	// One at a time too, so that one value cannot hide behind another.
	for _, h := range hostile {
		got, pwned := roundTrip(t, []string{h})
		if pwned || len(got) != 1 || got[0] != h {
			t.Errorf("%q: came back as %q (marker file: %v)", h, got, pwned)
		}
	}
}

// The unquoted form really is dangerous: the test above would notice.
func TestRoundTripDetectsInjection(t *testing.T) {
	requireSh(t)
	dir := t.TempDir()
	cmd := exec.Command("/bin/sh", "-c", "printf '%s' x; :>PWNED")
	cmd.Dir = dir
	cmd.Env = []string{"HOME=" + dir, "PATH=/nonexistent"}
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "PWNED")); err != nil {
		t.Fatal("the marker check does not see a marker file")
	}
}

// unquote reads back one word in the syntax Quote writes: bare safe
// bytes, or single-quoted runs joined by \' (the POSIX rules for them).
func unquote(q string) (string, bool) {
	if q != "" && safe(q) {
		return q, true
	}
	var b strings.Builder
	for len(q) > 0 {
		switch {
		case strings.HasPrefix(q, `\'`):
			b.WriteByte('\'')
			q = q[2:]
		case q[0] == '\'':
			end := strings.IndexByte(q[1:], '\'')
			if end < 0 {
				return "", false
			}
			b.WriteString(q[1 : 1+end])
			q = q[2+end:]
		default:
			return "", false
		}
	}
	return b.String(), true
}

func FuzzQuote(f *testing.F) {
	for _, h := range hostile {
		f.Add(h)
	}
	f.Add("a\x00b")
	f.Fuzz(func(t *testing.T, s string) {
		q := Quote(s)
		if q == s && !safe(s) {
			t.Fatalf("Quote(%q) left an unsafe value bare", s)
		}
		if got, ok := unquote(q); !ok || got != s {
			t.Fatalf("Quote(%q) = %s reads back as %q (%v)", s, q, got, ok)
		}
		if strings.IndexByte(s, 0) >= 0 {
			return // no shell argument can hold a NUL byte: the round trip below cannot apply
		}
		if _, err := os.Stat("/bin/sh"); err != nil {
			t.Skipf("no /bin/sh (%v): the round trip needs a POSIX shell", err)
		}
		got, pwned := roundTrip(t, []string{s, "end"})
		if pwned || len(got) != 2 || got[0] != s || got[1] != "end" {
			t.Fatalf("%q quoted as %s came back as %q (marker file: %v)", s, q, got, pwned)
		}
	})
}
