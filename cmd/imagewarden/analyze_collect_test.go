package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/imagewarden/imagewarden/analyzer/collect"
)

// fakeCollector stands in for a cloud's collect command: it copies the demo
// organisation's AWS files into --out with a manifest that skips one scope,
// and records the flags it was given.
func fakeCollector(gotArgs *[]string, gotOut *string) func() *cobra.Command {
	return func() *cobra.Command {
		var out, region string
		c := &cobra.Command{Use: "fake", Args: cobra.NoArgs, RunE: func(cmd *cobra.Command, args []string) error {
			*gotArgs = append(*gotArgs, region)
			*gotOut = out
			files, _ := filepath.Glob(filepath.Join(demo, "*.json"))
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					return err
				}
				if err := os.WriteFile(filepath.Join(out, filepath.Base(f)), b, 0o644); err != nil {
					return err
				}
			}
			rec := collect.NewRecorder("aws", fixedNow)
			rec.Manifest().Caller, rec.Manifest().Account = "arn:aws:iam::210987654321:user/auditor", "210987654321"
			rec.Record(collect.Scope{Name: "ecr:eu-west-1", Error: "AccessDeniedException: not authorized"})
			_, err := rec.Finish(cmd.Context(), out, fixedNow)
			return err
		}}
		c.Flags().StringVar(&out, "out", "", "")
		c.Flags().StringVar(&region, "region", "", "")
		return c
	}
}

var fixedNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func TestAnalyzeCollect(t *testing.T) {
	var args []string
	var out string
	collectors["fake"] = fakeCollector(&args, &out)
	defer delete(collectors, "fake")

	report, err := run(t, "", "analyze", "--collect", "fake", "--format", "json", "--", "--region", "eu-west-1")
	if err != nil {
		t.Fatalf("%v\n%s", err, report)
	}
	if len(args) != 1 || args[0] != "eu-west-1" {
		t.Errorf("collector flags after -- not passed on: %q", args)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("temporary snapshot %s not removed: %v", out, err)
	}
	// The report is the JSON on standard output after the collector's lines.
	var rep struct {
		Findings []json.RawMessage `json:"findings"`
		Warnings []struct{ Message string }
		Inputs   []struct {
			Kind       string          `json:"kind"`
			Collection json.RawMessage `json:"collection"`
		}
	}
	if err := json.Unmarshal([]byte(report[strings.Index(report, "{"):]), &rep); err != nil {
		t.Fatalf("%v\n%s", err, report)
	}
	if len(rep.Findings) == 0 {
		t.Error("no findings from the collected demo snapshot")
	}
	warned := false
	for _, w := range rep.Warnings {
		warned = warned || strings.Contains(w.Message, "scope ecr:eu-west-1 was not collected")
	}
	if !warned {
		t.Errorf("the skipped scope is not reported: %+v", rep.Warnings)
	}
	manifest := false
	for _, in := range rep.Inputs {
		manifest = manifest || in.Kind == "imagewarden-collection-manifest" && len(in.Collection) > 0
	}
	if !manifest {
		t.Error("the collection manifest is not among the inputs")
	}
}

func TestAnalyzeCollectKeepsSnapshot(t *testing.T) {
	var args []string
	var out string
	collectors["fake"] = fakeCollector(&args, &out)
	defer delete(collectors, "fake")
	dir := t.TempDir()
	if _, err := run(t, "", "analyze", "--collect", "fake", "--snapshot", dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, collect.ManifestName)); err != nil {
		t.Errorf("--snapshot directory not kept: %v", err)
	}
}

func TestAnalyzeCollectUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"analyze"}, "give at least one PATH"},
		{[]string{"analyze", demo, "--", "--region", "x"}, "need --collect"},
		{[]string{"analyze", "--collect", "nocloud"}, `--collect "nocloud": one of aws, azure, gcp`},
	} {
		_, err := run(t, "", c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want an error containing %q", c.args, err, c.want)
		}
	}
}

// TestAnalyzeAttachesFixes: analyze plans and verifies fixes for the
// findings by default, and --fixes=false leaves them out.
func TestAnalyzeAttachesFixes(t *testing.T) {
	count := func(args ...string) (fixed, total int) {
		out, err := run(t, "", append([]string{"analyze", demo, "--format", "json", "--no-config"}, args...)...)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		var rep struct {
			Findings []struct {
				Fixes []struct{ Kind, Summary string }
			}
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		for _, f := range rep.Findings {
			if len(f.Fixes) > 0 {
				fixed++
				if f.Fixes[0].Kind == "" || f.Fixes[0].Summary == "" {
					t.Errorf("a fix without kind or summary: %+v", f.Fixes[0])
				}
			}
		}
		return fixed, len(rep.Findings)
	}
	if fixed, total := count(); fixed == 0 || total == 0 {
		t.Errorf("%d of %d findings have fixes by default", fixed, total)
	}
	if fixed, _ := count("--fixes=false"); fixed != 0 {
		t.Errorf("--fixes=false: %d findings still have fixes", fixed)
	}
}

// TestAnalyzeFixesLimit: above the limit, fixes are left out with a
// warning unless --fixes asks for them.
func TestAnalyzeFixesLimit(t *testing.T) {
	defer func(n int) { autoFixesLimit = n }(autoFixesLimit)
	autoFixesLimit = 3
	count := func(args ...string) (fixed int, warned bool) {
		out, err := run(t, "", append([]string{"analyze", demo, "--format", "json", "--no-config"}, args...)...)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		var rep struct {
			Findings []struct{ Fixes []json.RawMessage }
			Warnings []struct{ Message string }
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		for _, f := range rep.Findings {
			if len(f.Fixes) > 0 {
				fixed++
			}
		}
		for _, w := range rep.Warnings {
			warned = warned || strings.Contains(w.Message, "fixes were not planned")
		}
		return fixed, warned
	}
	if fixed, warned := count(); fixed != 0 || !warned {
		t.Errorf("over the limit: %d findings with fixes, warned %v; want none and a warning", fixed, warned)
	}
	if fixed, warned := count("--fixes"); fixed == 0 || warned {
		t.Errorf("--fixes over the limit: %d findings with fixes, warned %v; want fixes and no warning", fixed, warned)
	}
}
