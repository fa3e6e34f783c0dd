package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/collect"
	"github.com/imagewarden/imagewarden/internal/inert"
	"github.com/imagewarden/imagewarden/internal/inert/inerttest"
)

// The text outputs of every command, run on inputs of the three clouds
// whose names, Sids, conditions and file names carry terminal escapes and
// bidi controls: no control character reaches the terminal.

func TestHostileWhoCan(t *testing.T) {
	fx := inerttest.Write(t, t.TempDir())
	for _, perm := range []string{"image.push", "ecr:PutImage"} {
		// Fitted to the width (names cut), then whole (--wide): neither
		// lets a control character through; the whole one shows the
		// hostile name escaped.
		out, err := run(t, "", "who-can", perm, fx.Dir)
		if err != nil {
			t.Fatalf("%s\n%s", inert.Lines(err.Error()), inert.Lines(out))
		}
		inerttest.Terminal(t, "who-can "+perm, out, false)
		out, err = run(t, "", "who-can", perm, fx.Dir, "--wide")
		if err != nil {
			t.Fatalf("%s\n%s", inert.Lines(err.Error()), inert.Lines(out))
		}
		inerttest.Terminal(t, "who-can --wide "+perm, out, false)
		if !strings.Contains(out, `alice\x1b]0;PWNED\x07`) || !strings.Contains(out, `SKIPPED `) {
			t.Errorf("who-can %s: the hostile principal or the skipped file is missing:\n%s", perm, inert.Lines(out))
		}
	}
	out, err := run(t, "", "who-can", "ecr:PutImage", "--resource", fx.RepoARN, fx.Dir)
	if err != nil {
		t.Fatalf("%s\n%s", inert.Lines(err.Error()), inert.Lines(out))
	}
	inerttest.Terminal(t, "who-can --resource", out, false)
}

func TestHostilePath(t *testing.T) {
	fx := inerttest.Write(t, t.TempDir())
	out, err := run(t, "", "path", fx.UserARN, fx.RoleARN, fx.Dir)
	if err != nil {
		t.Fatalf("%s\n%s", inert.Lines(err.Error()), inert.Lines(out))
	}
	inerttest.Terminal(t, "path", out, false)
	if !strings.Contains(out, "reaches") || !strings.Contains(out, `pusher\x1b]0;PWNED`) {
		t.Errorf("path should show the hostile chain, escaped:\n%s", inert.Lines(out))
	}
	out, err = run(t, "", "path", fx.RoleARN, "arn:aws:iam::111122223333:role/"+inerttest.Name("nowhere"), fx.Dir)
	if err != nil {
		t.Fatalf("%s\n%s", inert.Lines(err.Error()), inert.Lines(out))
	}
	inerttest.Terminal(t, "path (not found)", out, false)
}

func TestHostileSimulate(t *testing.T) {
	dir := t.TempDir()
	pol := filepath.Join(dir, inerttest.FileName("policy"))
	doc, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{
		map[string]any{"Sid": inerttest.Name("Allow"), "Effect": "Allow", "Action": "ecr:*", "Resource": "*"},
		map[string]any{"Sid": inerttest.Name("Deny"), "Effect": "Deny", "Action": "ecr:PutImage", "Resource": "*",
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:PrincipalTag/team": inerttest.Name("value")}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pol, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "", "simulate", "--principal", "arn:aws:iam::111122223333:user/"+inerttest.Name("u"), "--action", "ecr:PutImage",
		"--resource", "arn:aws:ecr:us-east-1:111122223333:repository/"+inerttest.Name("r"), "--policy", pol, "--context", "aws:PrincipalTag/team="+inerttest.Name("value"))
	if err != nil {
		t.Fatalf("%s\n%s", inert.Lines(err.Error()), inert.Lines(out))
	}
	inerttest.Terminal(t, "simulate", out, false)
	if !strings.Contains(out, `Deny\x1b]0;PWNED`) {
		t.Errorf("simulate should name the deny statement, escaped:\n%s", inert.Lines(out))
	}
}

// TestHostileRemediate: remediate's summary and analyze
// --apply-remediation's (on standard error) and table.
func TestHostileRemediate(t *testing.T) {
	fx := inerttest.Write(t, t.TempDir())
	fixes := filepath.Join(t.TempDir(), "fixes")
	out, err := run(t, "", "remediate", fx.Dir, "--no-config", "--out", fixes)
	if err != nil {
		t.Fatalf("%s\n%s", inert.Lines(err.Error()), inert.Lines(out))
	}
	inerttest.Terminal(t, "remediate", out, false)
	if !strings.Contains(out, "verified: resolves") || !strings.Contains(out, `\x1b]0;PWNED`) {
		t.Errorf("remediate's summary should name the hostile policies, escaped:\n%s", inert.Lines(out))
	}
	out, err = run(t, "", "analyze", fx.Dir, "--no-config", "--apply-remediation", fixes)
	if err != nil {
		t.Fatalf("%s\n%s", inert.Lines(err.Error()), inert.Lines(out))
	}
	inerttest.Terminal(t, "analyze --apply-remediation", out, false)
	if !strings.Contains(out, "finding(s) resolved") || !strings.Contains(out, "  resolved ") {
		t.Errorf("the summary is missing:\n%s", inert.Lines(out))
	}
}

// TestHostileErrorLine: the last line main prints quotes file names and
// input text.
func TestHostileErrorLine(t *testing.T) {
	missing := filepath.Join(t.TempDir(), inerttest.FileName("missing"))
	_, err := run(t, "", "analyze", missing)
	if err == nil {
		t.Fatal("a missing input should be an error")
	}
	for _, e := range []error{err, errors.Join(err, errors.New(inerttest.Name("second"))), usageError{errors.New(inerttest.Name("flag"))}} {
		var b bytes.Buffer
		printError(&b, e)
		out := b.String()
		inerttest.Terminal(t, "error line", out, true)
		if !strings.HasPrefix(out, "imagewarden: ") || !strings.Contains(out, `\x1b]0;PWNED\x07`) {
			t.Errorf("error line: %q", out)
		}
		for i, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if i > 0 && !strings.HasPrefix(l, "  ") && !strings.HasPrefix(l, "Run 'imagewarden --help'") {
				t.Errorf("a line of the error text could pass for a line of its own: %q", l)
			}
		}
	}
}

func TestHostileManifest(t *testing.T) {
	m := &collect.Manifest{Cloud: "aws", Account: inerttest.Name("acct"), Caller: inerttest.Name("arn:aws:sts::1:assumed-role/"),
		Collected: []collect.Scope{{Name: inerttest.Name("1/iam"), Files: []string{"f"}}},
		Skipped:   []collect.Scope{{Name: inerttest.Name("2/ecr"), Error: inerttest.Name("AccessDenied: ")}}}
	var b bytes.Buffer
	printManifest(&b, m, inerttest.FileName("out"))
	inerttest.Terminal(t, "collect summary", b.String(), false)
	if !strings.Contains(b.String(), `SKIPPED 2/ecr\x1b]0;PWNED`) {
		t.Errorf("collect summary:\n%s", inert.Lines(b.String()))
	}
}
