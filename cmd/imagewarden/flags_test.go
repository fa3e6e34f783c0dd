package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/remediate"
)

// Flag values and combinations that cannot mean anything are refused with
// exit code 2 before anything runs, never accepted silently.
func TestMeaninglessFlagsAreRefused(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"analyze", demo, "--snapshot", t.TempDir()}, "--snapshot"},
		{[]string{"analyze", demo, "--max-depth", "-1"}, "--max-depth"},
		{[]string{"who-can", "ecr:PutImage", demo, "--max-depth", "-1"}, "--max-depth"},
		{[]string{"path", "a", "b", demo, "--max-depth", "-2"}, "--max-depth"},
		{[]string{"remediate", demo, "--out", t.TempDir(), "--max-depth", "-1"}, "--max-depth"},
		{[]string{"simulate", "--action", "ecr:PutImage", "-f", "xml"}, "--format"},
		{[]string{"simulate", "--batch", "-", "-f", "json"}, "--batch"},
		{[]string{"who-can", "ecr:PutImage", demo, "-f", "xml"}, "--format"},
		{[]string{"path", "a", "b", demo, "-f", "yaml"}, "--format"},
	} {
		out, err := run(t, "", c.args...)
		if code := exitCode(err); code != exitError || err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: exit %d, error %v; want exit 2 naming %s\n%s", c.args, code, err, c.want, out)
		}
	}
}

// Two reports to one file, however it is spelled, are refused before the
// analysis runs; so is a remediate --report inside --out.
func TestOutputClashes(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.Mkdir("sub", 0o755)
	for _, args := range [][]string{
		{"analyze", "nothing-here", "-f", "json=out.json", "-f", "csv=./out.json"},
		{"analyze", "nothing-here", "-f", "json=sub/../out.json", "-f", "sarif=" + filepath.Join(dir, "out.json")},
		{"analyze", "nothing-here", "-f", "json=out.json", "-f", "table", "-o", "./out.json"},
	} {
		_, err := run(t, "", args...)
		if err == nil || !strings.Contains(err.Error(), "same file") {
			t.Errorf("%v: want a clash, got %v", args, err)
		}
	}
	for _, args := range [][]string{
		{"remediate", "nothing-here", "--out", "fx", "--report", "json=fx/remediation.json"},
		{"remediate", "nothing-here", "--out", "fx", "--report", "json=./fx/sub/r.json"},
		{"remediate", "nothing-here", "--out", "fx", "--report", "json=r.json", "--report", "csv=./r.json"},
	} {
		_, err := run(t, "", args...)
		if err == nil || !(strings.Contains(err.Error(), "inside --out") || strings.Contains(err.Error(), "same file")) {
			t.Errorf("%v: want a refusal, got %v", args, err)
		}
	}
}

// remediate --out never writes through a symlink planted in the directory,
// and --apply-remediation refuses an emptied or broken artifact instead of
// applying it as "delete the policy".
func TestRemediationDirectoryIntegrity(t *testing.T) {
	victim := filepath.Join(t.TempDir(), "victim")
	os.WriteFile(victim, []byte("precious"), 0o644)
	fixes := filepath.Join(t.TempDir(), "fixes")
	os.Mkdir(fixes, 0o755)
	for _, name := range []string{remediate.PlanFile, remediate.CommandsFile} {
		if err := os.Symlink(victim, filepath.Join(fixes, name)); err != nil {
			t.Skipf("symlinks cannot be made here: %v", err)
		}
	}
	data := filepath.Join(demo, "approved-publishers.yaml")
	if out, err := run(t, "", "remediate", demo, "--data", data, "--no-config", "--verify", "together", "--out", fixes); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious" {
		t.Fatalf("remediate wrote through a planted symlink: the target now holds %.60q", b)
	}
	plan, err := remediate.Read(fixes)
	if err != nil {
		t.Fatal(err)
	}
	var artifact string
	for _, c := range plan.Changes {
		if c.Artifact != "" {
			artifact = filepath.Join(fixes, c.Artifact)
			break
		}
	}
	if artifact == "" {
		t.Fatal("the demo plan has no artifact")
	}
	for content, want := range map[string]string{"": "is empty", "  \n": "is empty", `{"Version": "2012-10-17", "Statement": [`: "not valid JSON"} {
		os.WriteFile(artifact, []byte(content), 0o644)
		_, err := run(t, "", "analyze", demo, "--data", data, "--no-config", "--apply-remediation", fixes, "-f", "json")
		if exitCode(err) != exitError || err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("artifact %q: want exit 2 saying %q, got %v", content, want, err)
		}
	}
}

// A report never overwrites one of the inputs it was made from.
func TestReportNeverOverwritesAnInput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "iam.json")
	b, err := os.ReadFile(filepath.Join(demo, "iam-workloads.json"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(in, b, 0o644)
	for _, args := range [][]string{
		{"analyze", dir, "--no-config", "-f", "json=" + in},
		{"analyze", in, "--no-config", "-o", in, "-f", "json"},
	} {
		_, err := run(t, "", args...)
		if err == nil || !strings.Contains(err.Error(), "input") {
			t.Errorf("%v: want a refusal, got %v", args, err)
		}
		if now, _ := os.ReadFile(in); string(now) != string(b) {
			t.Fatalf("%v: the input was overwritten", args)
		}
	}
}
