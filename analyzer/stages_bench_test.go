package analyzer_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/internal/fixtures"
	"github.com/imagewarden/imagewarden/analyzer/rules"
	"github.com/imagewarden/imagewarden/reports"
)

// gcpOrgReport analyses the synthetic organisation of BenchmarkAnalyzeGCPOrg
// (its -gcp-projects flag sizes it), once per benchmark.
func gcpOrgReport(b *testing.B) *analyzer.Report {
	b.Helper()
	projects := 1000
	if f := flag.Lookup("gcp-projects"); f != nil {
		projects, _ = strconv.Atoi(f.Value.String())
	}
	dir := b.TempDir()
	pol, groups, denies, err := fixtures.GCPOrg(projects, projects*50, 1)
	if err != nil {
		b.Fatal(err)
	}
	for name, data := range map[string][]byte{"policies.json": pol, "groups.json": groups, "denies.json": denies} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	rep, err := analyzer.Analyze(context.Background(), analyzer.Options{Paths: []string{dir}})
	if err != nil {
		b.Fatal(err)
	}
	return rep
}

// BenchmarkRulesGCPOrg is the rules stage alone (engine.Eval) on the
// principals, resources, facts and paths of the synthetic organisation.
func BenchmarkRulesGCPOrg(b *testing.B) {
	rep := gcpOrgReport(b)
	ctx := context.Background()
	engine, err := rules.New(ctx, rules.Options{})
	if err != nil {
		b.Fatal(err)
	}
	in := &rules.Input{Principals: rep.Principals, Resources: rep.Resources, Facts: rep.Facts, Paths: rep.Paths}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		// Labelled, so that -cpuprofile can be read for this stage alone
		// (go tool pprof -tagfocus stage=rules): the evaluation's stacks are
		// too deep for the profile to keep their root.
		pprof.Do(ctx, pprof.Labels("stage", "rules"), func(ctx context.Context) {
			fs, err := engine.Eval(ctx, in)
			if err != nil {
				b.Fatal(err)
			}
			if len(fs) != len(rep.Findings) {
				b.Fatalf("%d findings, want %d", len(fs), len(rep.Findings))
			}
		})
	}
	b.ReportMetric(float64(len(rep.Facts)), "facts")
	b.ReportMetric(float64(len(rep.Paths)), "paths")
}

// BenchmarkJSONReportGCPOrg writes the JSON report of the synthetic
// organisation: as analyze writes it by default (the findings), and with
// --include-facts (the facts, edges and paths too: the bytes the report
// had before the evidence became optional).
func BenchmarkJSONReportGCPOrg(b *testing.B) {
	rep := gcpOrgReport(b)
	for _, bc := range []struct {
		name string
		opts reports.Options
	}{{"findings", reports.Options{}}, {"include-facts", reports.Options{IncludeFacts: true}}} {
		b.Run(bc.name, func(b *testing.B) {
			var n countingWriter
			b.ReportAllocs()
			for b.Loop() {
				n = 0
				if err := reports.RenderWith(&n, "json", rep, bc.opts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)/1e6, "MB")
		})
	}
}

// countingWriter counts the bytes written to it.
type countingWriter int

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}
