package remediate

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestAddCommandQuotes(t *testing.T) {
	var c Change
	c.AddCommand("aws", "iam", "put-user-policy", "--user-name", "ci$(touch PWNED)", "--policy-document", "file://"+ArtifactPlaceholder)
	c.AddCommandLine("POLICY_ID=$(", []string{"aws", "organizations", "create-policy", "--name", "a b"}, ")")
	c.AddComment("detach it\nthen: touch PWNED")
	want := []string{
		"aws iam put-user-policy --user-name 'ci$(touch PWNED)' --policy-document 'file://{artifact}'",
		"POLICY_ID=$(aws organizations create-policy --name 'a b')",
		"# detach it then: touch PWNED",
	}
	if !reflect.DeepEqual(c.Commands, want) {
		t.Fatalf("commands %q, want %q", c.Commands, want)
	}
	if len(c.Args) != 3 || c.Args[0][4] != "ci$(touch PWNED)" || c.Args[2] != nil {
		t.Fatalf("args %q", c.Args)
	}
	// Finalize names the artifact; the artifact argument stays one bare word.
	out := Finalize([]Change{{Cloud: "aws", Kind: "k", Target: "t", After: "{}", Commands: c.Commands, Args: c.Args}})
	f := out[0]
	if f.Commands[0] != "aws iam put-user-policy --user-name 'ci$(touch PWNED)' --policy-document file://"+f.Artifact || f.Args[0][6] != "file://"+f.Artifact {
		t.Errorf("after Finalize: %q %q", f.Commands[0], f.Args[0])
	}
}

func TestOptions(t *testing.T) {
	got := Options("--user-name", "-erin", "--policy-name", "p", "--x", "")
	want := []string{"--user-name=-erin", "--policy-name", "p", "--x", ""}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Options = %q, want %q", got, want)
	}
	if got := Command([]string{"aws", "iam"}, "--role-name", "r"); !reflect.DeepEqual(got, []string{"aws", "iam", "--role-name", "r"}) {
		t.Errorf("Command = %q", got)
	}
}

func TestRefuse(t *testing.T) {
	var c Change
	c.AddCommand("aws", "iam", "list-policies")
	if !c.Check("IAM user name", "erin", nil) || c.Refused() {
		t.Fatal("a valid value was refused")
	}
	if c.Check("IAM user name", "erin\u2028$(touch PWNED)\x1b[2J", errors.New("not a user name")) {
		t.Fatal("an invalid value was accepted")
	}
	c.Check("IAM user name", "erin\u2028$(touch PWNED)\x1b[2J", errors.New("not a user name")) // noted once
	c.AddCommand("aws", "iam", "put-user-policy")
	c.AddComment("after the refusal")
	if len(c.Commands) != 0 || len(c.Args) != 0 || !c.Refused() {
		t.Fatalf("a refused change keeps commands: %q", c.Commands)
	}
	if len(c.Notes) != 1 {
		t.Fatalf("notes %q", c.Notes)
	}
	n := c.Notes[0]
	if !strings.Contains(n, `"erin\u2028$(touch PWNED)\x1b[2J"`) || !strings.Contains(n, "not a user name") || !strings.Contains(n, "IAM user name") {
		t.Errorf("note %q", n)
	}
	for _, r := range n {
		if r < 0x20 || r > 0x7e {
			t.Errorf("note %q has %U", n, r)
		}
	}
	// A NUL byte cannot be an argument.
	var d Change
	d.AddCommand("aws", "a\x00b")
	if len(d.Commands) != 0 || !d.Refused() {
		t.Errorf("a NUL byte reached a command: %q", d.Commands)
	}
	// Long values are cut in the middle, both ends kept.
	long := strings.Repeat("a", 100) + "MIDDLE" + strings.Repeat("z", 100)
	if q := QuoteValue(long); strings.Contains(q, "MIDDLE") || !strings.HasPrefix(q, `"aaa`) || !strings.HasSuffix(q, `zzz"`) {
		t.Errorf("QuoteValue(long) = %s", q)
	}
}

func TestFinalizeRefusesUnsafeArtifact(t *testing.T) {
	for _, name := range []string{"x y.json", "../x.json", ".x.json", "-x.json", "x$(touch PWNED).json", "x\n.json", "x/y.json", ""} {
		c := Change{Cloud: "aws", Kind: "k", Target: "t", After: "{}", Artifact: name}
		c.AddCommand("aws", "put", "file://"+ArtifactPlaceholder)
		out := Finalize([]Change{c})[0]
		if name == "" {
			if !SafeFileName(out.Artifact) || len(out.Commands) != 1 {
				t.Errorf("generated artifact name %q, commands %q", out.Artifact, out.Commands)
			}
			continue
		}
		if out.Artifact != "" || len(out.Commands) != 0 || !out.Refused() {
			t.Errorf("artifact %q: kept as %q with commands %q", name, out.Artifact, out.Commands)
		}
	}
	// A kind that would make an unsafe name is refused too.
	c := Change{Cloud: "aws", Kind: "k;touch PWNED", Target: "t", After: "{}"}
	c.AddCommand("aws", "put", "file://"+ArtifactPlaceholder)
	if out := Finalize([]Change{c})[0]; out.Artifact != "" || len(out.Commands) != 0 {
		t.Errorf("kind %q: artifact %q, commands %q", c.Kind, out.Artifact, out.Commands)
	}
}

// No text of a change can end its comment line in commands.sh.
func TestScriptComments(t *testing.T) {
	evil := "x\ntouch PWNED\ry\u2028z\u2029w\u0085v\vu\ft\x1b[2Js\u202er"
	plan := &Plan{Changes: []Change{{ID: "id\n" + evil, Kind: "k\r" + evil, Target: evil, Summary: evil, Notes: []string{evil},
		FindingIDs: []string{"iw-1\ntouch PWNED"}, Commands: []string{"# comment\ntouch PWNED", "aws 'multi\nline'"},
		Verification: &Verification{Removes: []string{evil}}}}}
	script := Script(plan)
	for _, line := range strings.Split(script, "\n") {
		if strings.HasPrefix(line, "touch") || strings.HasPrefix(line, "y") {
			t.Errorf("a text escaped its comment: %q", line)
		}
		if strings.HasPrefix(line, "#") && strings.ContainsAny(line, "\r\v\f\x1b\u0085\u2028\u2029\u202e") {
			t.Errorf("comment line %q", line)
		}
	}
	// A command's quoted argument may span lines: it is the command's own.
	if !strings.Contains(script, "\naws 'multi\nline'\n") {
		t.Errorf("the multi-line argument was changed:\n%s", script)
	}
}
