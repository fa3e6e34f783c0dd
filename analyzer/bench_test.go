package analyzer

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/internal/fixtures"
)

const managedPolicies = "../../shared/datasets/aws-managed-policies.authorization-details.json"

// managedRolesInput writes one role per AWS managed policy into a
// temporary directory.
func managedRolesInput(tb testing.TB) (string, int) {
	tb.Helper()
	if _, err := os.Stat(managedPolicies); err != nil {
		tb.Skipf("%s absent (../shared exists only in the imagewarden workplace)", managedPolicies)
	}
	out, n, err := fixtures.ManagedPolicyRoles(managedPolicies, "111122223333")
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "roles.json"), out, 0o644); err != nil {
		tb.Fatal(err)
	}
	return dir, n
}

// BenchmarkAnalyzeManagedPolicies analyses 1,643 roles, one per AWS
// managed policy, against the whole catalog, rules included.
func BenchmarkAnalyzeManagedPolicies(b *testing.B) {
	dir, n := managedRolesInput(b)
	b.ReportAllocs()
	for b.Loop() {
		rep, err := Analyze(context.Background(), Options{Paths: []string{dir}})
		if err != nil {
			b.Fatal(err)
		}
		if len(rep.Principals) != n {
			b.Fatalf("%d principals, want %d", len(rep.Principals), n)
		}
	}
}

// TestManagedPoliciesAnalysis checks the analysis on real AWS managed
// policies: every policy parses, and well-known ones land where they
// should.
func TestManagedPoliciesAnalysis(t *testing.T) {
	if testing.Short() {
		t.Skip("large input")
	}
	dir, n := managedRolesInput(t)
	rep, err := Analyze(context.Background(), Options{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Principals) != n {
		t.Fatalf("%d principals, want %d", len(rep.Principals), n)
	}
	for _, w := range rep.Warnings {
		if w.Where != "" {
			t.Errorf("warning on real AWS data: %s: %s", w.Where, w.Message)
		}
	}
	caps := map[string]map[string]bool{} // policy name -> capabilities
	for _, f := range rep.Findings {
		// role names are rNNNN-<policy name>
		_, name, _ := strings.Cut(strings.TrimPrefix(f.PrincipalID, "arn:aws:iam::111122223333:role/"), "-")
		if caps[name] == nil {
			caps[name] = map[string]bool{}
		}
		caps[name][f.Capability] = true
	}
	for _, tc := range []struct {
		policy string
		cap    string
		want   bool
	}{
		{"AmazonEC2ContainerRegistryPowerUser", "image.push", true},
		{"AmazonEC2ContainerRegistryReadOnly", "image.push", false},
		{"AdministratorAccess", "iam.escalate", true},
		{"AdministratorAccess", "image.create", true},
		{"PowerUserAccess", "image.push", true},
		// NotAction iam:* still leaves sts:AssumeRole on every role, but
		// a role is assumed only when its trust admits the caller: every
		// role here trusts ec2.amazonaws.com alone, so none can be.
		{"PowerUserAccess", "iam.escalate", false},
		{"AmazonEC2ContainerRegistryPowerUser", "iam.escalate", false},
		{"ReadOnlyAccess", "image.push", false},
		{"ReadOnlyAccess", "image.create", false},
	} {
		if got := caps[tc.policy][tc.cap]; got != tc.want {
			t.Errorf("%s %s: got %v, want %v", tc.policy, tc.cap, got, tc.want)
		}
	}
}

// BenchmarkAnalyzeGCPOrg analyses a synthetic organisation of 1,000
// projects and 50,000 bindings (with groups and deny policies).
func BenchmarkAnalyzeGCPOrg(b *testing.B) {
	dir := b.TempDir()
	pol, groups, denies, err := fixtures.GCPOrg(benchProjects, benchProjects*50, 1)
	if err != nil {
		b.Fatal(err)
	}
	for name, data := range map[string][]byte{"policies.json": pol, "groups.json": groups, "denies.json": denies} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		rep, err := Analyze(context.Background(), Options{Paths: []string{dir}})
		if err != nil {
			b.Fatal(err)
		}
		if len(rep.Findings) == 0 {
			b.Fatal("no findings")
		}
		b.ReportMetric(float64(len(rep.Principals)), "principals")
		b.ReportMetric(float64(len(rep.Findings)), "findings")
	}
}

// benchProjects sizes BenchmarkAnalyzeGCPOrg; -gcp-projects changes it.
var benchProjects = 1000

func init() {
	flag.IntVar(&benchProjects, "gcp-projects", 1000, "projects of the synthetic organisation of BenchmarkAnalyzeGCPOrg (50 bindings each)")
}

// BenchmarkAnalyzeAzureTenant analyses a synthetic tenant of 500
// subscriptions and 20,000 role assignments.
func BenchmarkAnalyzeAzureTenant(b *testing.B) {
	dir := b.TempDir()
	as, ents, regs, groups, err := fixtures.AzureTenant(benchSubscriptions, benchSubscriptions*40, 1)
	if err != nil {
		b.Fatal(err)
	}
	for name, data := range map[string][]byte{"assignments.json": as, "entities.json": ents, "registries.json": regs, "groups.json": groups} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		rep, err := Analyze(context.Background(), Options{Paths: []string{dir}})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(rep.Principals)), "principals")
		b.ReportMetric(float64(len(rep.Findings)), "findings")
	}
}

// benchSubscriptions sizes BenchmarkAnalyzeAzureTenant (40 assignments each).
var benchSubscriptions = 500

func init() {
	flag.IntVar(&benchSubscriptions, "azure-subscriptions", 500, "subscriptions of the synthetic tenant of BenchmarkAnalyzeAzureTenant (40 role assignments each)")
}
