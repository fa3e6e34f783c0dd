// Package remediatetest holds what the cloud plug-ins' remediation tests
// share: planning and verifying a demo directory once per test binary,
// comparing the plan with its golden file, and finding a change in a plan.
package remediatetest

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
	"github.com/imagewarden/imagewarden/internal/golden"
)

// RepoRoot is the repository's top directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller information")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

// Demo is one demo directory remediated with approved publishers given as
// rules data (YAML), planned and verified once however many tests ask.
type Demo struct {
	Dir          string // below the repository, e.g. testdata/demo/gcp
	ApprovedYAML string // rules data: imagewarden.approved_publishers
	Golden       string // below the repository, e.g. testdata/golden/remediation-demo-gcp.json

	once     sync.Once
	plan     *remediate.Plan
	findings []model.Finding
	err      error
}

// Options are the analysis options of the demo, with a fixed date.
func (d *Demo) Options(t testing.TB) analyzer.Options {
	t.Helper()
	data := filepath.Join(t.TempDir(), "approved.yaml")
	if err := os.WriteFile(data, []byte(d.ApprovedYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	return analyzer.Options{Paths: []string{filepath.Join(RepoRoot(t), d.Dir)}, DataFiles: []string{data},
		Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// Plan plans and verifies the demo (once) and returns the plan and the
// findings with their fixes.
func (d *Demo) Plan(t testing.TB) (*remediate.Plan, []model.Finding) {
	t.Helper()
	d.once.Do(func() {
		d.plan, d.findings, d.err = analyzer.Remediate(context.Background(), d.Options(t), nil)
	})
	if d.err != nil {
		t.Fatal(d.err)
	}
	return d.plan, d.findings
}

// CheckGolden compares the plan with the golden file, or rewrites it under
// the shared -update flag (internal/golden).
func (d *Demo) CheckGolden(t *testing.T) {
	t.Helper()
	plan, _ := d.Plan(t)
	got, err := remediate.MarshalPlan(plan)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join(RepoRoot(t), d.Golden), got)
}

// Change finds the change of a kind on a target, or fails listing those
// the plan has.
func Change(t testing.TB, plan *remediate.Plan, kind, target string) remediate.Change {
	t.Helper()
	for _, c := range plan.Changes {
		if c.Kind == kind && c.Target == target {
			return c
		}
	}
	var have []string
	for _, c := range plan.Changes {
		have = append(have, c.Kind+" "+c.Target)
	}
	t.Fatalf("no %s change of %s; have:\n%s", kind, target, strings.Join(have, "\n"))
	return remediate.Change{}
}
