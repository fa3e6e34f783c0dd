package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type configReport struct {
	Inputs []struct {
		Path, Kind string
	}
	Findings []struct {
		ID          string
		RuleID      string `json:"rule_id"`
		Severity    string
		Suppression *struct{ Reason, Owner, Expires, Source string }
	}
	Warnings []struct{ Message string }
}

func analyzeJSON(t *testing.T, args ...string) (configReport, error) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "r.json")
	_, err := run(t, "", append([]string{"analyze", "--format", "json", "-o", out}, args...)...)
	var rep configReport
	if b, rerr := os.ReadFile(out); rerr == nil {
		if jerr := json.Unmarshal(b, &rep); jerr != nil {
			t.Fatal(jerr)
		}
	}
	return rep, err
}

func (r configReport) config() string {
	for _, in := range r.Inputs {
		if in.Kind == "imagewarden-config" {
			return in.Path
		}
	}
	return ""
}

func (r configReport) suppressed() int {
	n := 0
	for _, f := range r.Findings {
		if f.Suppression != nil {
			n++
		}
	}
	return n
}

// TestAnalyzeConfigDiscovered: with no --config, the .imagewarden.yaml of
// the PATH directory is used and listed among the inputs; --no-config
// turns that off; --config names another file.
func TestAnalyzeConfigDiscovered(t *testing.T) {
	rep, err := analyzeJSON(t, demo)
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.config(); got != filepath.Join(demo, ".imagewarden.yaml") {
		t.Errorf("the demo's .imagewarden.yaml should be among the inputs, got %q", got)
	}
	if rep.suppressed() != 2 {
		t.Errorf("want the demo's 2 suppressed findings, got %d", rep.suppressed())
	}
	back := false
	for _, w := range rep.Warnings {
		back = back || strings.Contains(w.Message, "expired on 2025-12-31: the finding is back")
	}
	if !back {
		t.Errorf("the lapsed suppression should warn: %+v", rep.Warnings)
	}

	rep, err = analyzeJSON(t, demo, "--no-config")
	if err != nil {
		t.Fatal(err)
	}
	if rep.config() != "" || rep.suppressed() != 0 {
		t.Errorf("--no-config: config %q, %d suppressed", rep.config(), rep.suppressed())
	}

	cfg := filepath.Join(t.TempDir(), "other.yaml")
	os.WriteFile(cfg, []byte("version: 1\n"), 0o644)
	rep, err = analyzeJSON(t, demo, "--config", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.config() != cfg || rep.suppressed() != 0 {
		t.Errorf("--config: config %q, %d suppressed", rep.config(), rep.suppressed())
	}
	if _, err := analyzeJSON(t, demo, "--config", cfg, "--no-config"); err == nil {
		t.Error("--config with --no-config should be an error")
	}
}

// TestAnalyzeConfigFailOn: suppressed findings do not count for --fail-on.
func TestAnalyzeConfigFailOn(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "accept-criticals.yaml")
	os.WriteFile(cfg, []byte(`version: 1
suppressions:
  - rule: IW-001
    reason: test
    owner: test
    expires: 2999-12-31
  - rule: IW-009
    reason: test
    owner: test
    expires: 2999-12-31
`), 0o644)
	rep, err := analyzeJSON(t, demo, "--config", cfg, "--fail-on", "critical")
	if err != nil {
		t.Fatalf("every critical finding is suppressed: --fail-on critical should pass, got %v", err)
	}
	criticals := 0
	for _, f := range rep.Findings {
		if f.Severity == "critical" {
			criticals++
			if f.Suppression == nil {
				t.Errorf("unsuppressed critical %s %s", f.RuleID, f.ID)
			}
		}
	}
	if criticals == 0 {
		t.Fatal("the suppressed critical findings should stay in the report")
	}
	_, err = analyzeJSON(t, demo, "--config", cfg, "--fail-on", "high")
	var ef errFindings
	if !errors.As(err, &ef) || ef.n == 0 {
		t.Errorf("unsuppressed high findings remain: want errFindings, got %v", err)
	}
}

// TestAnalyzeConfigAmbiguous: two PATH directories with their own
// .imagewarden.yaml, and none in the current directory: choose with --config.
func TestAnalyzeConfigAmbiguous(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, d := range []string{a, b} {
		os.WriteFile(filepath.Join(d, ".imagewarden.yaml"), []byte("version: 1\n"), 0o644)
	}
	_, err := analyzeJSON(t, a, b)
	if err == nil || !strings.Contains(err.Error(), "several PATHs") || !strings.Contains(err.Error(), "--config") {
		t.Errorf("want an error asking for --config, got %v", err)
	}
	bad := filepath.Join(a, ".imagewarden.yaml")
	os.WriteFile(bad, []byte("version: 1\nsupressions: []\n"), 0o644)
	_, err = analyzeJSON(t, a)
	if err == nil || !strings.Contains(err.Error(), bad+":2:1") {
		t.Errorf("a discovered configuration is checked like any other, got %v", err)
	}
}
