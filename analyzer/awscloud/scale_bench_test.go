package awscloud_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer"
	"github.com/imagewarden/imagewarden/analyzer/awscloud"
	"github.com/imagewarden/imagewarden/analyzer/awscloud/internal/awsorg"
	"github.com/imagewarden/imagewarden/analyzer/internal/fixtures"
)

// The benchmarks of the AWS analysis at scale (issue 12): a synthetic
// organization (package awsorg; -aws-accounts sizes it, 2,000 principals
// and 40 repositories per account) and one role per AWS managed policy.
// Each reports the stages apart: Load (reading the inputs), Evaluate (the
// facts), Edges, and the whole analysis with rules, with fixes as analyze
// plans them by default.

const managedDataset = "../../../shared/datasets/aws-managed-policies.authorization-details.json"

var benchAccounts = flag.Int("aws-accounts", 1, "accounts of the synthetic organization of the AWS scale benchmarks (2,000 principals each)")

func datasetOrEmpty() string {
	if _, err := os.Stat(managedDataset); err != nil {
		return ""
	}
	return managedDataset
}

func orgDir(tb testing.TB, accounts int) string {
	tb.Helper()
	o := awsorg.Default(accounts)
	o.ManagedPolicies = datasetOrEmpty()
	dir := tb.TempDir()
	if err := awsorg.Write(dir, o); err != nil {
		tb.Fatal(err)
	}
	return dir
}

func managedRolesDir(tb testing.TB) string {
	tb.Helper()
	if datasetOrEmpty() == "" {
		tb.Skipf("%s absent", managedDataset)
	}
	out, _, err := fixtures.ManagedPolicyRoles(managedDataset, "111122223333")
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "roles.json"), out, 0o644); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// loadAWS reads the inputs into a fresh AWS snapshot.
func loadAWS(b *testing.B, dir string) (*awscloud.Snapshot, *analyzer.Options) {
	opts := &analyzer.Options{Paths: []string{dir}}
	providers, _, _, err := analyzer.Load(context.Background(), *opts)
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range providers {
		if s, ok := p.(*awscloud.Snapshot); ok {
			return s, opts
		}
	}
	b.Fatal("no AWS provider")
	return nil, nil
}

func benchStages(b *testing.B, dir string) {
	_, _, cat, err := analyzer.Load(context.Background(), analyzer.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Load", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			loadAWS(b, dir)
		}
	})
	b.Run("Evaluate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			s, _ := loadAWS(b, dir)
			b.StartTimer()
			snap := s.Evaluate(cat)
			b.ReportMetric(float64(len(snap.Facts)), "facts")
		}
	})
	b.Run("Edges", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			s, _ := loadAWS(b, dir)
			s.Evaluate(cat)
			b.StartTimer()
			b.ReportMetric(float64(len(s.Edges())), "edges")
		}
	})
	b.Run("Analyze", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rep, err := analyzer.Analyze(context.Background(), analyzer.Options{Paths: []string{dir}})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(len(rep.Findings)), "findings")
		}
	})
}

// BenchmarkAWSOrg: the synthetic organization, stage by stage.
func BenchmarkAWSOrg(b *testing.B) {
	benchStages(b, orgDir(b, *benchAccounts))
}

// BenchmarkAWSManagedRoles: one role per AWS managed policy, stage by
// stage, and the default analyze (fixes planned and verified together).
func BenchmarkAWSManagedRoles(b *testing.B) {
	dir := managedRolesDir(b)
	benchStages(b, dir)
	b.Run("AnalyzeFixes", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			opts := analyzer.Options{Paths: []string{dir}}
			rep, err := analyzer.Analyze(context.Background(), opts)
			if err != nil {
				b.Fatal(err)
			}
			if _, _, err := analyzer.RemediateWith(context.Background(), opts, rep.Findings, analyzer.RemediateSettings{Together: true}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAWSDir: the stages on the inputs in $IMAGEWARDEN_BENCH_AWS_DIR
// (the AWS part of `go run ./testdata/gen -scale M`, say).
func BenchmarkAWSDir(b *testing.B) {
	dir := os.Getenv("IMAGEWARDEN_BENCH_AWS_DIR")
	if dir == "" {
		b.Skip("IMAGEWARDEN_BENCH_AWS_DIR is not set")
	}
	benchStages(b, dir)
}
