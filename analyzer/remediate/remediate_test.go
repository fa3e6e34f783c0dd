package remediate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/rules"
)

func TestFinalizeWriteRead(t *testing.T) {
	changes := Finalize([]Change{
		{Cloud: "aws", Kind: "b-kind", Target: "t2", After: `{"x":1}`, FindingIDs: []string{"iw-2", "iw-1", "iw-2"}, Commands: []string{"echo b"}},
		{Cloud: "aws", Kind: "a-kind", Target: "t1", Before: `{"y":1}`},
		{Cloud: "aws", Kind: "a-kind", Target: "t1", Before: `{"y":1}`},
	})
	if len(changes) != 2 || changes[0].Kind != "a-kind" || changes[1].Artifact == "" || changes[0].Artifact != "" {
		t.Fatalf("finalize: %+v", changes)
	}
	if strings.Join(changes[1].FindingIDs, ",") != "iw-1,iw-2" {
		t.Fatalf("finding ids %v", changes[1].FindingIDs)
	}
	dir := t.TempDir()
	plan := &Plan{Changes: changes}
	if err := Write(dir, plan); err != nil {
		t.Fatal(err)
	}
	art, err := os.ReadFile(filepath.Join(dir, changes[1].Artifact))
	if err != nil || string(art) != "{\"x\":1}\n" {
		t.Fatalf("artifact %q %v", art, err)
	}
	script, _ := os.ReadFile(filepath.Join(dir, CommandsFile))
	if !strings.Contains(string(script), "\nexit 1\n") || !strings.Contains(string(script), "echo b") {
		t.Fatalf("commands.sh:\n%s", script)
	}
	// An edited artifact is what is applied.
	os.WriteFile(filepath.Join(dir, changes[1].Artifact), []byte(`{"x":2}`+"\n"), 0o644)
	got, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Changes) != 2 || got.Changes[1].After != `{"x":2}` {
		t.Fatalf("read: %+v", got.Changes)
	}
	os.Remove(filepath.Join(dir, changes[1].Artifact))
	if _, err := Read(dir); err == nil {
		t.Fatal("a missing artifact must be an error")
	}
}

func TestResolvedByKey(t *testing.T) {
	f := func(id, rule, p, c string, res ...string) model.Finding {
		x := model.Finding{ID: id, RuleID: rule, PrincipalID: p, Capability: c}
		for _, r := range res {
			x.Targets = append(x.Targets, model.Target{Resource: r})
		}
		return x
	}
	base := []model.Finding{f("a", "IW-003", "p1", "image.push", "r1", "r2"), f("b", "IW-003", "p2", "image.push", "r1")}
	after := []model.Finding{f("a2", "IW-003", "p1", "image.push", "r1")} // fewer resources: not resolved
	if got := Resolved(base, after); len(got) != 1 || got[0] != "b" {
		t.Fatalf("resolved %v", got)
	}
}

func TestApproved(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.yaml")
	os.WriteFile(p, []byte("imagewarden:\n  approved_publishers:\n    - principal: \"arn:aws:iam::1:role/ci-*\"\n      capabilities: [image.push]\n      resources: [\"arn:aws:ecr:*:1:repository/apps/*\"]\n"), 0o644)
	data, err := rules.LoadData([]string{p})
	if err != nil {
		t.Fatal(err)
	}
	a, err := ApprovedFrom(data)
	if err != nil || len(a) != 1 {
		t.Fatal(a, err)
	}
	// A later --data file replaces the list, for remediation as for the
	// rules: the fixes never disagree with what the rules approve.
	q := filepath.Join(dir, "b.yaml")
	os.WriteFile(q, []byte("imagewarden:\n  approved_publishers:\n    - principal: other\n"), 0o644)
	data, err = rules.LoadData([]string{p, q})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := ApprovedFrom(data); err != nil || len(b) != 1 || b[0].Principal != "other" {
		t.Fatalf("after a second file: %+v %v", b, err)
	}
	env := &Env{Approved: a}
	all, res := env.ApprovedResources("arn:aws:iam::1:role/ci-x", "image.push")
	if all || len(res) != 1 {
		t.Fatal(all, res)
	}
	if all, res := env.ApprovedResources("arn:aws:iam::1:role/ci-x", "image.share"); all || res != nil {
		t.Fatal(all, res)
	}
}

func TestFinalizeMergesAndAttachOrders(t *testing.T) {
	changes := Finalize([]Change{
		{Cloud: "aws", Kind: "k", Target: "t", After: "{}", FindingIDs: []string{"iw-1"}, Commands: []string{"put --file {artifact}"}},
		{Cloud: "aws", Kind: "k", Target: "t", After: "{}", FindingIDs: []string{"iw-2"}},
		{Cloud: "aws", Kind: "a-guardrail", Target: "root", After: "{}", FindingIDs: []string{"iw-1", "iw-2", "iw-3"}},
	})
	if len(changes) != 2 {
		t.Fatalf("%+v", changes)
	}
	narrow := changes[1]
	if strings.Join(narrow.FindingIDs, ",") != "iw-1,iw-2" || narrow.Commands[0] != "put --file "+narrow.Artifact {
		t.Fatalf("merged change %+v", narrow)
	}
	findings := []model.Finding{{ID: "iw-1"}, {ID: "iw-3"}}
	Attach(findings, &Plan{Changes: changes})
	if len(findings[0].Fixes) != 2 || findings[0].Fixes[0].Kind != "k" || findings[0].Fixes[1].Kind != "a-guardrail" {
		t.Errorf("the narrow fix must come first: %+v", findings[0].Fixes)
	}
	if len(findings[1].Fixes) != 1 {
		t.Errorf("%+v", findings[1].Fixes)
	}
}
