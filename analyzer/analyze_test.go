package analyzer

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	goldenfile "github.com/imagewarden/imagewarden/internal/golden"

	"github.com/imagewarden/imagewarden/analyzer/model"
)

const demoDir = "../testdata/demo"

func analyzeDemo(t *testing.T) *Report {
	t.Helper()
	rep, err := Analyze(context.Background(), Options{Paths: []string{demoDir}, Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// golden compares got with the file, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("..", "testdata", "golden", name), got)
}

// TestDemoFindingsGolden pins the findings on the demo organization.
func TestDemoFindingsGolden(t *testing.T) {
	rep := analyzeDemo(t)
	type row struct {
		Severity, Rule, Principal, Capability, Access string
		Targets                                       []string
	}
	var rows []row
	for _, f := range rep.Findings {
		r := row{f.Severity, f.RuleID, f.PrincipalID, f.Capability, string(f.Access), nil}
		for _, tg := range f.Targets {
			s := tg.Resource + " " + string(tg.Access)
			if tg.All {
				s += " all"
			}
			for _, e := range tg.Except {
				s += " except " + e
			}
			r.Targets = append(r.Targets, s)
		}
		rows = append(rows, r)
	}
	b, _ := json.MarshalIndent(rows, "", "  ")
	golden(t, "demo-findings.json", append(b, '\n'))
}

func findFinding(rep *Report, principal, capability string) *model.Finding {
	for i, f := range rep.Findings {
		if f.PrincipalID == principal && f.Capability == capability {
			return &rep.Findings[i]
		}
	}
	return nil
}

func targetOf(f *model.Finding, resource string) *model.Target {
	if f == nil {
		return nil
	}
	for i, t := range f.Targets {
		if t.Resource == resource {
			return &f.Targets[i]
		}
	}
	return nil
}

const (
	shared    = "arn:aws:iam::210987654321:"
	workloads = "arn:aws:iam::345678901234:"
	repoARN   = "arn:aws:ecr:us-east-1:210987654321:repository/"
)

// TestDemoStory checks the access the demo is built to show, principal by
// principal, so that a regression in any semantic shows as a named case.
func TestDemoStory(t *testing.T) {
	rep := analyzeDemo(t)
	for _, tc := range []struct {
		name, principal, capability string
		wantFinding                 bool
		wantAccess                  model.Access
		resource                    string // a target that must be present (or absent with absent=true)
		absent                      bool
		notAction                   string // an action the target must not list
	}{
		{"developers push everywhere via PowerUser", shared + "user/alice", "image.push", true, model.Allowed, "arn:aws:ecr:*:210987654321:repository/*", false, ""},
		{"boundary blocks dave's push", shared + "user/dave", "image.push", false, "", "", false, ""},
		{"NotAction power user pushes", shared + "user/carol", "image.push", true, model.Allowed, repoARN + "golden/base-ubuntu", false, ""},
		// The deny covers PutImage and the layer uploads on golden/*, not
		// BatchImportUpstreamImage or ReplicateImage: grace keeps those.
		{"explicit deny keeps grace's PutImage out of golden", shared + "user/grace", "image.push", true, model.Allowed, repoARN + "golden/base-ubuntu", false, "ecr:PutImage"},
		{"grace still pushes to apps", shared + "user/grace", "image.push", true, model.Allowed, repoARN + "apps/checkout", false, ""},
		{"legacy-jenkins uses the default version only", shared + "role/legacy-jenkins", "image.push", true, model.Allowed, repoARN + "apps/checkout", true, ""},
		{"erin's AMI rights need MFA", shared + "user/erin", "image.share", true, model.Conditional, "", false, ""},
		{"cross-account push through the repository policy", workloads + "role/workload-ci", "image.push", true, model.Allowed, repoARN + "apps/checkout", false, ""},
		{"no cross-account push without a repository policy", workloads + "role/workload-ci", "image.push", true, model.Allowed, repoARN + "apps/payments", true, ""},
		{"partner account pushes to checkout", "arn:aws:iam::777788889999:root", "image.push", true, model.Allowed, repoARN + "apps/checkout", false, ""},
		{"anyone pushes to the legacy repository", "*", "image.push", true, model.Allowed, repoARN + "legacy/jenkins-agent", false, ""},
		{"read-only auditor has no finding of its own", shared + "role/security-audit", "image.push", false, "", "", false, ""},
		{"frank can escalate", shared + "user/frank", "iam.escalate", true, model.Allowed, "", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := findFinding(rep, tc.principal, tc.capability)
			if !tc.wantFinding {
				if f != nil {
					t.Fatalf("unexpected finding %s: %s", f.RuleID, f.Message)
				}
				return
			}
			if f == nil {
				t.Fatalf("no %s finding for %s", tc.capability, tc.principal)
			}
			if f.Access != tc.wantAccess {
				t.Errorf("access %s, want %s", f.Access, tc.wantAccess)
			}
			if tc.resource != "" {
				got := targetOf(f, tc.resource)
				if tc.absent && got != nil {
					t.Errorf("target %s should be absent, got %+v", tc.resource, got)
				}
				if !tc.absent && got == nil {
					t.Errorf("target %s missing; targets: %+v", tc.resource, f.Targets)
				}
				if got != nil && tc.notAction != "" {
					for _, a := range got.Actions {
						if a == tc.notAction {
							t.Errorf("target %s should not allow %s", tc.resource, a)
						}
					}
				}
			}
		})
	}
}

// TestSCPBlocksAMISharingInWorkloads: the SCP on the Workloads OU denies
// ec2:ModifyImageAttribute to the admin role of the workloads account,
// while the management account is exempt from SCPs.
func TestSCPBlocksAMISharingInWorkloads(t *testing.T) {
	res, err := WhoCan(Options{Paths: []string{demoDir}}, "ec2:ModifyImageAttribute", "")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]model.Access{}
	for _, a := range res.Principals {
		got[a.ID] = a.Access
	}
	if _, ok := got[workloads+"role/OrganizationAccountAccessRole"]; ok {
		t.Errorf("OrganizationAccountAccessRole can modify image attributes despite the SCP")
	}
	if got[shared+"user/carol"] != model.Allowed {
		t.Errorf("carol (management account, exempt from SCPs) should be allowed, got %q", got[shared+"user/carol"])
	}
	if got[shared+"user/erin"] != model.Conditional {
		t.Errorf("erin should be conditional (MFA), got %q", got[shared+"user/erin"])
	}
}

func TestWhoCanResourceAndCapability(t *testing.T) {
	res, err := WhoCan(Options{Paths: []string{demoDir}}, "ecr:PutImage", repoARN+"golden/base-ubuntu")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, a := range res.Principals {
		ids[a.ID] = true
		if len(a.Via) == 0 {
			t.Errorf("%s has no grant in via", a.ID)
		}
	}
	for _, want := range []string{shared + "role/image-pipeline", shared + "user/alice", shared + "user/carol"} {
		if !ids[want] {
			t.Errorf("%s should be able to push to golden/base-ubuntu", want)
		}
	}
	for _, not := range []string{shared + "user/grace", shared + "user/dave", shared + "role/legacy-jenkins", workloads + "role/workload-ci", "*"} {
		if ids[not] {
			t.Errorf("%s should not be able to push to golden/base-ubuntu", not)
		}
	}
	if _, err := WhoCan(Options{Paths: []string{demoDir}}, "image.push", ""); err != nil {
		t.Errorf("capability query: %v", err)
	}
	if _, err := WhoCan(Options{Paths: []string{demoDir}}, "not-a-permission", ""); err == nil {
		t.Errorf("a permission that is neither action nor capability should be an error")
	}
}

// TestBadInputs: broken files are reported with their place and skipped,
// a broken policy inside a good file skips only that policy, and the other
// inputs are still analysed.
func TestBadInputs(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("not-json.json", "{\n  \"UserDetailList\": [\n    {oops}\n  ]\n}\n")
	write("array.json", "[1, 2, 3]")
	write("unknown.json", `{"hello": "world"}`)
	write("truncated.json", `{"UserDetailList": [{"UserName": "x", "Arn": "arn:aws:iam::111122223333:user/x"`)
	write("iam.json", `{
  "UserDetailList": [
    {"UserName": "ok", "Arn": "arn:aws:iam::111122223333:user/ok", "UserPolicyList": [
      {"PolicyName": "push", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecr:PutImage", "Resource": "*"}]}}]},
    {"UserName": "bad", "Arn": "arn:aws:iam::111122223333:user/bad", "UserPolicyList": [
      {"PolicyName": "typo", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": 42, "Resource": "*"}]}}]},
    {"UserName": 7, "Arn": "arn:aws:iam::111122223333:user/seven"}
  ],
  "GroupDetailList": [], "RoleDetailList": [], "Policies": []
}`)
	rep, err := Analyze(context.Background(), Options{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	src := map[string]model.Source{}
	for _, s := range rep.Inputs {
		src[filepath.Base(s.Path)] = s
	}
	for name, want := range map[string]string{
		"not-json.json":  "line 3, column 6",
		"array.json":     "item 0 of the JSON array is not an object",
		"unknown.json":   "unknown file kind",
		"truncated.json": "truncated",
	} {
		if !strings.Contains(src[name].Error, want) {
			t.Errorf("%s: error %q should contain %q", name, src[name].Error, want)
		}
	}
	if src["iam.json"].Error != "" {
		t.Errorf("iam.json should be read, got %q", src["iam.json"].Error)
	}
	if rep.Summary.FilesRead != 1 || rep.Summary.FilesSkipped != 4 {
		t.Errorf("summary: %+v", rep.Summary)
	}
	var warnings []string
	for _, w := range rep.Warnings {
		warnings = append(warnings, w.Where+": "+w.Message)
	}
	all := strings.Join(warnings, "\n")
	for _, want := range []string{
		"UserDetailList[1] (arn:aws:iam::111122223333:user/bad).UserPolicyList[0] (typo).PolicyDocument: Statement[0].Action: must be a string or a list of strings, got number",
		"UserDetailList[2]",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings should mention %q; got:\n%s", want, all)
		}
	}
	if !strings.Contains(all, "iam.json") {
		t.Errorf("warnings should name the file; got:\n%s", all)
	}
	if findFinding(rep, "arn:aws:iam::111122223333:user/ok", "image.push") == nil {
		t.Errorf("the good user in the same file should still be analysed")
	}
}

func TestMissingPathIsAnError(t *testing.T) {
	_, err := Analyze(context.Background(), Options{Paths: []string{"does/not/exist"}})
	if err == nil || !strings.Contains(err.Error(), "does/not/exist") {
		t.Fatalf("want an error naming the path, got %v", err)
	}
}

// TestApprovedPublishers: --data approves the pipeline roles for what they
// are meant to publish, and only that.
func TestApprovedPublishers(t *testing.T) {
	rep, err := Analyze(context.Background(), Options{Paths: []string{demoDir}, DataFiles: []string{demoDir + "/approved-publishers.yaml"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, gone := range []struct{ principal, capability string }{
		{shared + "role/image-pipeline", "image.push"},
		{shared + "role/image-pipeline", "image.share"},
		{shared + "role/EC2ImageBuilderInstance", "image.push"},
		{shared + "role/ci-deployer", "image.push"},
	} {
		if f := findFinding(rep, gone.principal, gone.capability); f != nil {
			t.Errorf("%s %s is approved but reported: %s", gone.principal, gone.capability, f.Message)
		}
	}
	for _, kept := range []struct{ principal, capability string }{
		{shared + "role/image-pipeline", "iam.escalate"},          // not an approved capability
		{shared + "role/EC2ImageBuilderInstance", "image.create"}, // approved for push only
		{shared + "user/alice", "image.push"},
	} {
		if findFinding(rep, kept.principal, kept.capability) == nil {
			t.Errorf("%s %s should still be reported", kept.principal, kept.capability)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("imagewarden: [unclosed"), 0o644)
	if _, err := Analyze(context.Background(), Options{Paths: []string{demoDir}, DataFiles: []string{bad}}); err == nil || !strings.Contains(err.Error(), "bad.yaml") {
		t.Errorf("a broken --data file should be an error naming it, got %v", err)
	}
}

// TestUserRules: --policy adds the user's rules, with their METADATA; a
// broken rule file is an error naming it.
func TestUserRules(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "golden_push.rego"), []byte(`# METADATA
# title: Nobody but the pipeline pushes to golden repositories
# custom:
#   id: ACME-001
#   severity: critical
#   remediation: Remove it.
package imagewarden.rules.acme.golden_push

findings contains {"principal": f.principal, "capability": f.capability, "message": sprintf("%s pushes to golden", [f.principal])} if {
	some f in input.facts
	f.capability == "image.push"
	some t in f.targets
	contains(t.resource, "repository/golden/")
	not endswith(f.principal, "role/image-pipeline")
}
`), 0o644)
	rep, err := Analyze(context.Background(), Options{Paths: []string{demoDir}, PolicyDirs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range rep.Findings {
		if f.RuleID == "ACME-001" {
			n++
			if f.Severity != "critical" || f.Remediation != "Remove it." || f.Principal == nil {
				t.Errorf("user finding without its metadata: %+v", f)
			}
			if strings.HasSuffix(f.PrincipalID, "role/image-pipeline") {
				t.Errorf("the rule excludes the pipeline")
			}
		}
	}
	if n == 0 {
		t.Error("the user's rule produced no finding")
	}
	os.WriteFile(filepath.Join(dir, "broken.rego"), []byte("package imagewarden.rules.broken\n\nfindings contains x if {"), 0o644)
	if _, err := Analyze(context.Background(), Options{Paths: []string{demoDir}, PolicyDirs: []string{dir}}); err == nil || !strings.Contains(err.Error(), "broken.rego") {
		t.Errorf("want an error naming broken.rego, got %v", err)
	}
}
