package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/internal/golden"
)

// diffJSON is the part of diff -f json the tests read.
type diffJSON struct {
	Verdict struct{ Level, Line string }
	Added   []struct{ ID string }
	Removed []struct{ ID string }
	Changed []struct {
		Before struct{ ID string }
		After  struct{ ID string }
		Worse  bool
	}
	Review []string
}

// TestDiffRemediatedDemo compares the demo with the demo after its
// remediation (remediate --out, applied to the head): what the diff shows
// as gone is exactly what the remediation's own verification resolves, and
// what it shows as new is exactly what that verification introduces (the
// demo's fixes reveal chains that the direct access they remove hid: the
// same principal and capability through a chain is a change, not new
// access).
func TestDiffRemediatedDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "fix")
	if _, err := run(t, "", "remediate", demo, "--no-config", "--out", dir, "--verify", "together"); err != nil {
		t.Fatal(err)
	}
	var plan struct {
		All struct{ Resolved, Introduced []string } `json:"all_changes"`
	}
	readJSON(t, filepath.Join(dir, "remediation.json"), &plan)
	if len(plan.All.Resolved) == 0 {
		t.Fatal("the demo's remediation resolves nothing: the test would prove nothing")
	}
	out, err := run(t, "", "diff", demo, demo, "--apply-remediation", dir, "--no-config", "--fixes=false", "-f", "json")
	if err != nil {
		t.Fatalf("diff: %v\n%s", err, out)
	}
	var d diffJSON
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	resolved, introduced := set(plan.All.Resolved), set(plan.All.Introduced)
	// Removed: resolved. Added: introduced.
	for _, f := range d.Removed {
		if !resolved[f.ID] {
			t.Errorf("removed %s, which the remediation does not resolve", f.ID)
		}
		delete(resolved, f.ID)
	}
	for _, f := range d.Added {
		if !introduced[f.ID] {
			t.Errorf("added %s, which the remediation does not introduce", f.ID)
		}
		delete(introduced, f.ID)
	}
	// Changed: the same principal and capability before and after; either
	// resolved and introduced by the remediation (other rule or chain), or
	// narrowed (fewer resources: the remediation's Key, rule, principal,
	// capability and chain, is the same, so it counts neither).
	for _, c := range d.Changed {
		if c.Worse {
			t.Errorf("change %s -> %s widens access: a remediation must not", c.Before.ID, c.After.ID)
		}
		if resolved[c.Before.ID] != introduced[c.After.ID] {
			t.Errorf("change %s -> %s: resolved %v, introduced %v by the remediation", c.Before.ID, c.After.ID, resolved[c.Before.ID], introduced[c.After.ID])
		}
		delete(resolved, c.Before.ID)
		delete(introduced, c.After.ID)
	}
	if len(resolved) > 0 || len(introduced) > 0 {
		t.Errorf("the diff misses findings the remediation resolves %v or introduces %v", resolved, introduced)
	}
}

func set(ids []string) map[string]bool {
	out := map[string]bool{}
	for _, id := range ids {
		out[id] = true
	}
	return out
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestDiffNoChange: the same inputs on both sides give a one-line
// comment and exit 0 whatever --fail-on says.
func TestDiffNoChange(t *testing.T) {
	md := filepath.Join(t.TempDir(), "comment.md")
	out, err := run(t, "", "diff", demo, demo, "--no-config", "-f", "markdown="+md, "-f", "table", "--fail-on", "info")
	if err != nil {
		t.Fatalf("diff: %v\n%s", err, out)
	}
	b, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), "<!-- imagewarden --> **imagewarden**: no change to who can write images\n"; got != want {
		t.Errorf("comment %q, want %q", got, want)
	}
	if !strings.HasPrefix(out, "imagewarden diff: no change to who can write images\n") {
		t.Errorf("table output starts %q", out)
	}
}

// TestDiffGolden diffs the demo against the demo with its remediation
// applied: the Markdown, SARIF and JSON forms are golden files, and
// --fail-on high fails on the two high findings the remediation reveals
// (see TestDiffRemediatedDemo).
func TestDiffGolden(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "fix")
	if _, err := run(t, "", "remediate", demo, "--no-config", "--out", dir, "--verify", "together"); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	outs := map[string]string{"markdown": filepath.Join(tmp, "d.md"), "sarif": filepath.Join(tmp, "d.sarif"), "json": filepath.Join(tmp, "d.json")}
	args := []string{"diff", demo, demo, "--no-config", "--apply-remediation", dir, "--fail-on", "high"}
	for f, p := range outs {
		args = append(args, "-f", f+"="+p)
	}
	_, err := run(t, "", args...)
	var ef errFindings
	if !errors.As(err, &ef) || ef.n == 0 {
		t.Fatalf("--fail-on high on a diff that adds high findings: %v, want errFindings", err)
	}
	for f, p := range outs {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		golden.Check(t, filepath.Join("..", "..", "testdata", "golden", "diff-demo."+f), b)
	}
	var sarif struct {
		Runs []struct {
			Results []struct {
				Locations []struct {
					PhysicalLocation *struct {
						ArtifactLocation struct{ URI string }
					}
				}
			}
		}
	}
	readJSON(t, outs["sarif"], &sarif)
	n := 0
	for _, r := range sarif.Runs[0].Results {
		n++
		if len(r.Locations) == 0 || r.Locations[0].PhysicalLocation == nil || r.Locations[0].PhysicalLocation.ArtifactLocation.URI == "" {
			t.Errorf("a SARIF result without a physical location: code scanning would reject the upload")
		}
	}
	if n == 0 {
		t.Error("no SARIF results: the test would prove nothing")
	}
}

func TestDiffUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"diff", demo}, "give BASE and HEAD"},
		{[]string{"diff", "--plan", "p.json", demo}, "--plan takes the place of BASE and HEAD"},
		{[]string{"diff", demo, demo, "--context", demo}, "--context and --source go with --plan"},
		{[]string{"diff", demo, demo, "-f", "html"}, `unknown format "html"`},
		{[]string{"diff", demo, demo, "--fail-on", "bogus"}, "--fail-on"},
		{[]string{"diff", demo, demo, "--baseline", "/nonexistent/baseline.json"}, "baseline"},
	} {
		if _, err := run(t, "", tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.args, err, tc.want)
		}
	}
}

// TestDiffBaseline: findings written by analyze --write-baseline are
// hidden from a later diff's added findings and from its --fail-on.
func TestDiffBaseline(t *testing.T) {
	tmp := t.TempDir()
	fix, bl := filepath.Join(tmp, "fix"), filepath.Join(tmp, "baseline.json")
	if _, err := run(t, "", "remediate", demo, "--no-config", "--out", fix, "--verify", "together"); err != nil {
		t.Fatal(err)
	}
	args := []string{"diff", demo, demo, "--no-config", "--fixes=false", "--apply-remediation", fix, "--fail-on", "high", "-f", "json"}
	out, err := run(t, "", args...)
	var ef errFindings
	if !errors.As(err, &ef) {
		t.Fatalf("without a baseline, --fail-on high: %v, want errFindings (the test would prove nothing)", err)
	}
	if _, err := run(t, "", "analyze", demo, "--no-config", "--fixes=false", "--apply-remediation", fix, "-o", filepath.Join(tmp, "r.txt"), "--write-baseline", bl); err != nil {
		t.Fatal(err)
	}
	out, err = run(t, "", append(args, "--baseline", bl)...)
	if err != nil {
		t.Fatalf("with the head's findings as the baseline: %v\n%s", err, out)
	}
	var d struct {
		Added     []struct{ ID string }
		Baselined int
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Added) != 0 || d.Baselined == 0 {
		t.Errorf("added %d, baselined %d: want every added finding hidden by the baseline", len(d.Added), d.Baselined)
	}
	if _, err := run(t, "", "analyze", demo, "--no-config", "--fixes=false", "-o", bl, "--write-baseline", bl); err == nil || !strings.Contains(err.Error(), "same file") {
		t.Errorf("--write-baseline onto the report's file: %v", err)
	}
}
