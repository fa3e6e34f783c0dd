package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer"
)

// TestAnalyzeProfile: analyze --profile DIR writes a CPU profile, a heap
// profile and stages.json; every stage is recorded once (the re-analyses
// that verify fixes count as the one stage "fixes"), and the stages add
// up to no more than the wall time.
func TestAnalyzeProfile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "profile")
	report := filepath.Join(t.TempDir(), "report.json")
	out, err := run(t, "", "analyze", demo, "--no-config", "-f", "json", "-o", report, "--profile", dir)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, name := range []string{"cpu.pprof", "heap.pprof"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		// pprof files are gzip-compressed protocol buffers.
		if !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) || len(b) < 100 {
			t.Errorf("%s: not a pprof profile (%d bytes)", name, len(b))
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "stages.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep analyzer.StageReport
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("stages.json: %v\n%s", err, b)
	}
	var names []string
	sum := 0.0
	for _, s := range rep.Stages {
		name := s.Name
		if s.Cloud != "" {
			name += " " + s.Cloud
		}
		names = append(names, name)
		if s.Seconds < 0 || s.CPUSeconds < 0 {
			t.Errorf("stage %s: negative time %+v", name, s)
		}
		sum += s.Seconds
	}
	want := "setup, load, evaluate, paths, rules, fixes, render" // the plug-ins in parallel: one stage
	if got := strings.Join(names, ", "); got != want {
		t.Errorf("stages:\n got %s\nwant %s", got, want)
	}
	if sum > rep.WallSeconds || rep.WallSeconds <= 0 {
		t.Errorf("stages add up to %.6f s, more than the wall time %.6f s", sum, rep.WallSeconds)
	}
	if d := rep.StageSeconds - sum; d > 1e-9 || d < -1e-9 {
		t.Errorf("stage_seconds %.6f, the stages add up to %.6f", rep.StageSeconds, sum)
	}
	if rep.CPUSeconds <= 0 || rep.AllocBytes == 0 {
		t.Errorf("no CPU time or allocation recorded: %+v", rep)
	}
	if !strings.Contains(out, "imagewarden: profile: ") || !strings.Contains(out, "fixes ") || !strings.Contains(out, "render ") {
		t.Errorf("no stage line on standard error:\n%s", out)
	}
}

// TestAnalyzeProfileUnwritable: a --profile that cannot be created fails
// before the analysis.
func TestAnalyzeProfileUnwritable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "", "analyze", demo, "--no-config", "-f", "json", "-o", filepath.Join(t.TempDir(), "r.json"), "--profile", filepath.Join(file, "sub"))
	if err == nil || !strings.Contains(err.Error(), "--profile") {
		t.Fatalf("want a --profile error, got %v\n%s", err, out)
	}
}
