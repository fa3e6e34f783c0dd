package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/internal/golden"
)

const plans = "../../testdata/plans"

// planCases are the fixture plans of testdata/plans with the context each
// applies to (analyzer/terraform's TestRead checks what each adds).
var planCases = []struct {
	plan    string
	context []string
	source  string
}{
	{plan: "aws-iam-roles", context: []string{"aws"}},
	{plan: "aws-iam-users-groups", context: []string{"aws"}},
	{plan: "aws-ecr", context: []string{"aws"}},
	{plan: "aws-organizations", context: []string{"aws"}},
	{plan: "gcp-hierarchy", context: []string{"gcp"}},
	{plan: "gcp-resources", context: []string{"gcp"}},
	{plan: "azure", context: []string{"azure"}},
	{plan: "unknown", context: []string{"aws", "gcp"}},
	{plan: "deletions", context: []string{"aws"}},
	{plan: "modules", context: []string{"aws"}, source: "modules"},
	{plan: "assumable", context: []string{"assumable"}},
	{plan: "noop", context: []string{"aws"}},
}

func planArgs(plan string, context []string, source string) []string {
	args := []string{"diff", "--plan", filepath.Join(plans, plan+".json"), "--no-config"}
	for _, c := range context {
		args = append(args, "--context", filepath.Join(plans, "context", c))
	}
	if source != "" {
		args = append(args, "--source", filepath.Join(plans, "source", source))
	}
	return args
}

// TestDiffPlanGolden renders every fixture plan's diff as the pull-request
// comment, SARIF and JSON, and compares them with golden files
// (testdata/golden/plans; -update rewrites them). Every SARIF result has
// a physical location; with --source it is the .tf file and line.
func TestDiffPlanGolden(t *testing.T) {
	for _, tc := range planCases {
		t.Run(tc.plan, func(t *testing.T) {
			tmp := t.TempDir()
			outs := map[string]string{"markdown": "md", "sarif": "sarif", "json": "json"}
			args := planArgs(tc.plan, tc.context, tc.source)
			for f, ext := range outs {
				args = append(args, "-f", f+"="+filepath.Join(tmp, "d."+ext))
			}
			if out, err := run(t, "", args...); err != nil {
				t.Fatalf("diff: %v\n%s", err, out)
			}
			for _, ext := range outs {
				b, err := os.ReadFile(filepath.Join(tmp, "d."+ext))
				if err != nil {
					t.Fatal(err)
				}
				// The plan's path is the test's relative path: the same
				// bytes wherever the repository is.
				golden.Check(t, filepath.Join("..", "..", "testdata", "golden", "plans", tc.plan+"."+ext), b)
			}
			var sarif struct {
				Runs []struct {
					Results []struct {
						Locations []struct {
							PhysicalLocation *struct {
								ArtifactLocation struct{ URI string }
								Region           *struct{ StartLine int }
							}
						}
					}
				}
			}
			readJSON(t, filepath.Join(tmp, "d.sarif"), &sarif)
			for _, r := range sarif.Runs[0].Results {
				if len(r.Locations) == 0 || r.Locations[0].PhysicalLocation == nil || r.Locations[0].PhysicalLocation.ArtifactLocation.URI == "" {
					t.Errorf("a SARIF result without a physical location: code scanning would reject the upload")
					continue
				}
				pl := r.Locations[0].PhysicalLocation
				if tc.source != "" && (!strings.HasSuffix(pl.ArtifactLocation.URI, ".tf") || pl.Region == nil || pl.Region.StartLine == 0) {
					t.Errorf("with --source, a result located at %s %+v, want a .tf file and line", pl.ArtifactLocation.URI, pl.Region)
				}
			}
		})
	}
}

// TestDiffPlanVerdicts: the no-op plan gives a one-line comment and exit
// 0 even with --fail-on low; the plan with values unknown until apply says
// "needs review", names the addresses, and fails a gate; a plan that adds
// a high finding fails --fail-on high and passes --fail-on critical.
func TestDiffPlanVerdicts(t *testing.T) {
	tmp := t.TempDir()
	md := filepath.Join(tmp, "c.md")
	if out, err := run(t, "", append(planArgs("noop", []string{"aws"}, ""), "-f", "markdown="+md, "--fail-on", "low")...); err != nil {
		t.Fatalf("no-op plan: %v\n%s", err, out)
	}
	b, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(b), "\n"); lines != 1 || !strings.Contains(string(b), "no change to who can write images") {
		t.Errorf("no-op comment has %d lines: %q", lines, b)
	}

	_, err = run(t, "", append(planArgs("unknown", []string{"aws", "gcp"}, ""), "-f", "markdown="+md, "--fail-on", "critical")...)
	var er errReview
	var ef errFindings
	if !errors.As(err, &er) && !errors.As(err, &ef) {
		t.Errorf("unknown values with --fail-on: %v, want exit 1", err)
	}
	b, err = os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	for _, want := range []string{"needs review", `aws\_iam\_role\_policy.runner\_dynamic`, `google\_project\_iam\_member.deployer`} {
		if !strings.Contains(first, want) {
			t.Errorf("verdict %q does not say %q", first, want)
		}
	}

	_, err = run(t, "", append(planArgs("assumable", []string{"assumable"}, ""), "--fail-on", "high", "-o", filepath.Join(tmp, "t.txt"))...)
	if !errors.As(err, &ef) || ef.n != 1 {
		t.Errorf("assumable plan --fail-on high: %v, want 1 finding (the developer's new chain)", err)
	}
	if _, err := run(t, "", append(planArgs("assumable", []string{"assumable"}, ""), "--fail-on", "critical", "-o", filepath.Join(tmp, "t.txt"))...); err != nil {
		t.Errorf("assumable plan --fail-on critical: %v, want exit 0", err)
	}
}
