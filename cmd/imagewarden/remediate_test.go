package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/remediate"
)

// remediate writes a plan whose every artifact exists, commands.sh never
// runs as is, and analyze --apply-remediation replays it: the findings it
// reports resolved are those the plan verified together.
func TestRemediateThenApply(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "fixes")
	data := filepath.Join(demo, "approved-publishers.yaml")
	withFixes := filepath.Join(t.TempDir(), "report.json")
	out, err := run(t, "", "remediate", demo, "--data", data, "--no-config", "--out", dir, "--report", "json="+withFixes)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var before struct {
		Findings []struct {
			ID    string `json:"id"`
			Fixes []struct {
				Kind, Summary, Artifact string
			} `json:"fixes"`
		} `json:"findings"`
	}
	if raw, err := os.ReadFile(withFixes); err != nil {
		t.Fatal(err)
	} else if err := json.Unmarshal(raw, &before); err != nil {
		t.Fatal(err)
	}
	fixed := 0
	for _, f := range before.Findings {
		if len(f.Fixes) > 0 {
			fixed++
			if f.Fixes[0].Summary == "" || f.Fixes[0].Kind == "" {
				t.Errorf("%s: incomplete fix %+v", f.ID, f.Fixes[0])
			}
		}
	}
	if fixed == 0 {
		t.Error("the --report has no finding with a fix")
	}
	if !strings.Contains(out, "changes for") || !strings.Contains(out, "verified: resolves") {
		t.Errorf("summary:\n%s", out)
	}
	plan, err := remediate.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Changes) == 0 || plan.All == nil {
		t.Fatalf("empty plan: %+v", plan)
	}
	script, err := os.ReadFile(filepath.Join(dir, remediate.CommandsFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(script), "\nexit 1\n") || strings.Contains(string(script), "{artifact}") {
		t.Errorf("commands.sh must stop if run as is and name the artifacts:\n%s", script)
	}
	report := filepath.Join(t.TempDir(), "after.json")
	out, err = run(t, "", "analyze", demo, "--data", data, "--no-config", "--apply-remediation", dir, "-f", "json="+report)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	raw, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Findings    []struct{ ID string } `json:"findings"`
		Remediation *struct {
			Resolved []struct {
				ID    string `json:"id"`
				Fixes []struct {
					Kind string `json:"kind"`
				} `json:"fixes"`
			} `json:"resolved"`
		} `json:"remediation"`
	}
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Remediation == nil || len(rep.Remediation.Resolved) != len(plan.All.Resolved) {
		t.Fatalf("the report should list the %d findings the plan resolves; got %+v", len(plan.All.Resolved), rep.Remediation)
	}
	left := map[string]bool{}
	for _, f := range rep.Findings {
		left[f.ID] = true
	}
	for _, f := range rep.Remediation.Resolved {
		if left[f.ID] {
			t.Errorf("%s is reported resolved but is still a finding", f.ID)
		}
		if len(f.Fixes) == 0 {
			t.Errorf("resolved finding %s names no fix", f.ID)
		}
	}
	if !strings.Contains(out, "finding(s) resolved") {
		t.Errorf("the summary on stderr is missing:\n%s", out)
	}
}

func TestRemediateVerifyTogether(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "fixes")
	out, err := run(t, "", "remediate", demo, "--data", filepath.Join(demo, "approved-publishers.yaml"), "--no-config", "--out", dir, "--verify", "together")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	plan, err := remediate.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if plan.All == nil || len(plan.All.Resolved) == 0 {
		t.Fatalf("all changes together must be verified: %+v", plan.All)
	}
	for _, c := range plan.Changes {
		if c.Verification != nil {
			t.Fatalf("%s verified alone with --verify together", c.ID)
		}
	}
	if _, err := run(t, "", "remediate", demo, "--out", dir, "--verify", "sometimes"); err == nil {
		t.Error("--verify sometimes must be refused")
	}
}
