package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"

	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/reports"
)

func TestParseReports(t *testing.T) {
	for _, tc := range []struct {
		formats []string
		output  string
		want    []report
	}{
		{nil, "", []report{{"table", ""}}},
		{nil, "r.txt", []report{{"table", "r.txt"}}},
		{[]string{"table", "sarif=results.sarif", "csv=evidence.csv"}, "", []report{{"table", ""}, {"sarif", "results.sarif"}, {"csv", "evidence.csv"}}},
		{[]string{"table,sarif=results.sarif", "csv=evidence.csv"}, "", []report{{"table", ""}, {"sarif", "results.sarif"}, {"csv", "evidence.csv"}}},
		{[]string{"json", "markdown=pr.md"}, "out.json", []report{{"json", "out.json"}, {"markdown", "pr.md"}}},
		{[]string{"sarif=-", "csv=e.csv"}, "", []report{{"sarif", ""}, {"csv", "e.csv"}}},
		// A comma inside a file name (a directory named "a,b").
		{[]string{"markdown=out/a,b/comment.md,sarif=out/a,b/d.sarif"}, "", []report{{"markdown", "out/a,b/comment.md"}, {"sarif", "out/a,b/d.sarif"}}},
		{[]string{"json=x,table"}, "", []report{{"json", "x"}, {"table", ""}}},
	} {
		got, err := parseReports(tc.formats, tc.output)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q -o %q: got %v, %v; want %v", tc.formats, tc.output, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		formats []string
		output  string
		why     string
	}{
		{[]string{"pdf"}, "", "unknown format"},
		{[]string{"csv=e.csv", "pdf=x"}, "", "unknown format"},
		{[]string{"csv=e.csv,pdf=x"}, "", "unknown format"},
		{[]string{"table", "json"}, "", "standard output"},
		{[]string{"table,markdown"}, "", "standard output"},
		{[]string{"csv=a", "sarif=a"}, "", "same file (a, a)"},
		{[]string{"csv=a", "sarif=./a"}, "", "same file (a, ./a)"},
		{[]string{"csv="}, "", "no file"},
		{[]string{"csv=e.csv"}, "r.txt", "already names"},
		{[]string{"table", "csv=r.txt"}, "r.txt", "same file (r.txt, r.txt)"},
	} {
		if _, err := parseReports(tc.formats, tc.output); err == nil || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("%q -o %q: want an error about %q, got %v", tc.formats, tc.output, tc.why, err)
		}
	}
}

func TestSeveralReportsAtOnce(t *testing.T) {
	dir := t.TempDir()
	sarif, evidence := filepath.Join(dir, "results.sarif"), filepath.Join(dir, "evidence.csv")
	out, err := run(t, "", "analyze", demo, "-f", "table", "-f", "sarif="+sarif, "--format", "csv="+evidence)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "imagewarden: who can implant an image") || strings.Contains(out, `"$schema"`) {
		t.Errorf("standard output should hold the table alone:\n%.300s", out)
	}
	var log struct {
		Version string            `json:"version"`
		Runs    []json.RawMessage `json:"runs"`
	}
	b, err := os.ReadFile(sarif)
	if err != nil || json.Unmarshal(b, &log) != nil || log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Errorf("results.sarif is not a SARIF log: %v %.200s", err, b)
	}
	f, err := os.Open(evidence)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) < 2 || recs[0][0] != "finding_id" {
		t.Errorf("evidence.csv is not the CSV report: %v", err)
	}
}

// Exit codes are a contract with pipelines: 0 clean, 1 findings, 2 the
// run did not do what was asked.
func TestExitCodes(t *testing.T) {
	code := func(args ...string) (int, error) {
		_, err := run(t, "", args...)
		return exitCode(err), err
	}
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"analyze", demo, "-o", filepath.Join(t.TempDir(), "r.txt")}, exitOK},
		{[]string{"analyze", demo, "--fail-on", "critical", "-f", "json=" + filepath.Join(t.TempDir(), "r.json")}, exitFindings},
		{[]string{"analyze", demo, "--no-such-flag"}, exitError},
		{[]string{"analyze", demo, "-f", "pdf"}, exitError},
		{[]string{"analyze", demo, "-f", "table,json"}, exitError},
		{[]string{"analyze", demo, "--fail-on", "bogus"}, exitError},
		{[]string{"analyze", filepath.Join(t.TempDir(), "missing")}, exitError},
		{[]string{"analyze", demo, "-f", "csv=" + filepath.Join(t.TempDir(), "no", "such", "dir", "e.csv")}, exitError},
		{[]string{"no-such-command"}, exitError},
	} {
		if got, err := code(tc.args...); got != tc.want {
			t.Errorf("%q: exit %d (%v), want %d", tc.args, got, err, tc.want)
		}
	}
	if want := []int{0, 1, 2}; !reflect.DeepEqual([]int{exitOK, exitFindings, exitError}, want) {
		t.Errorf("exit codes changed: docs/reports.md promises %v", want)
	}
	var ue usageError
	if _, err := run(t, "", "analyze", demo, "--no-such-flag"); !errors.As(err, &ue) {
		t.Errorf("a flag error should be a usage error, got %T %v", err, err)
	}
}

func TestSuppressedFindingsNeverFail(t *testing.T) {
	fs := []model.Finding{
		{Severity: "critical", Suppression: &model.Suppression{Reason: "accepted", Owner: "sec"}},
		{Severity: "low"},
		{Severity: "high"},
	}
	for failOn, want := range map[string]int{"": 0, "critical": 0, "high": 1, "low": 2, "info": 2} {
		if got := failing(fs, failOn); got != want {
			t.Errorf("--fail-on %q: %d failing, want %d", failOn, got, want)
		}
	}
}

// TestAnalyzeTableWidth: the table is fitted to COLUMNS, else (not a
// terminal) to 120 columns; --wide draws it whole.
func TestAnalyzeTableWidth(t *testing.T) {
	widest := func(out string) int {
		n := 0
		for _, l := range strings.Split(out, "\n") {
			n = max(n, runewidth.StringWidth(l))
		}
		return n
	}
	for _, c := range []struct {
		columns string
		wide    bool
		max     int
	}{{"80", false, 80}, {"", false, reports.DefaultWidth}, {"not-a-number", false, reports.DefaultWidth}, {"-3", false, reports.DefaultWidth}, {"80", true, 0}} {
		t.Setenv("COLUMNS", c.columns)
		args := []string{"analyze", demo, "--fixes=false"}
		if c.wide {
			args = append(args, "--wide")
		}
		out, err := run(t, "", args...)
		if err != nil {
			t.Fatal(err)
		}
		switch w := widest(out); {
		case c.wide && w <= 1000:
			t.Errorf("--wide: the widest line is %d wide; the full table is wider", w)
		case c.wide && strings.Contains(out, "(condition: see --wide"):
			t.Error("--wide summarised a condition")
		case !c.wide && w > c.max:
			t.Errorf("COLUMNS=%q: a line is %d wide, more than %d", c.columns, w, c.max)
		}
	}
}
