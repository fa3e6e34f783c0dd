package analyzer_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/imagewarden/imagewarden/internal/golden"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/remediate"
)

func root(t *testing.T) string {
	t.Helper()
	d, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func demoOptions(t *testing.T) analyzer.Options {
	r := root(t)
	return analyzer.Options{Paths: []string{filepath.Join(r, "testdata/demo")}, DataFiles: []string{filepath.Join(r, "testdata/demo/approved-publishers.yaml")},
		Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// TestDemoGolden plans and verifies the remediation of the demo
// organisation and compares remediation.json with the golden file.
func TestDemoGolden(t *testing.T) {
	plan, _, err := analyzer.Remediate(context.Background(), demoOptions(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := remediate.MarshalPlan(plan)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join(root(t), "testdata/golden/remediation-demo.json"), got)
}
