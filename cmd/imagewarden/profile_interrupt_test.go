package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer"
)

// TestAnalyzeProfileInterrupted: when the command's context is cancelled
// (Ctrl-C), the CPU profile and the stages so far are written at once,
// before the signal watchdog exits the process.
func TestAnalyzeProfileInterrupted(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "profile")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs([]string{"analyze", demo, "--no-config", "-f", "json", "-o", filepath.Join(t.TempDir(), "r.json"), "--profile", dir})
	if err := root.ExecuteContext(ctx); err == nil {
		t.Fatalf("an interrupted analysis succeeded:\n%s", out.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "cpu.pprof"))
	if err != nil || !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		t.Errorf("cpu.pprof not written: %v", err)
	}
	b, err = os.ReadFile(filepath.Join(dir, "stages.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep analyzer.StageReport
	if err := json.Unmarshal(b, &rep); err != nil || rep.WallSeconds <= 0 {
		t.Errorf("stages.json: %v\n%s", err, b)
	}
	if !strings.Contains(out.String(), "imagewarden: profile: ") {
		t.Errorf("no stage line:\n%s", out.String())
	}
}
