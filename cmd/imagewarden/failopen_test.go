package main

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"
)

// The analysis never fails open: when nothing usable was read, analyze
// exits 2 whatever --fail-on says, and a run that skipped something says
// so and, with --strict, fails.

func utf16LE(s string) []byte {
	out := []byte{0xff, 0xfe}
	for _, u := range utf16.Encode([]rune(s)) {
		out = binary.LittleEndian.AppendUint16(out, u)
	}
	return out
}

func readDemo(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(demo, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAnalyzeNothingUsableExits2(t *testing.T) {
	good := readDemo(t, "iam-workloads.json")
	cases := map[string]map[string][]byte{
		"empty directory":      {},
		"truncated export":     {"iam.json": good[:len(good)/2]},
		"UTF-16 export":        {"iam.json": utf16LE(string(good))},
		"only an empty list":   {"iam.json": []byte("[]")},
		"only an unknown kind": {"other.json": []byte(`{"hello": "world"}`)},
		"only a manifest":      {"collection.json": []byte(`{"tool":"imagewarden","collected":[],"skipped":[],"complete":true}`)},
	}
	for name, files := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			for f, b := range files {
				if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for _, args := range [][]string{
				{"analyze", dir, "--fail-on", "low", "--no-config"},
				{"analyze", dir, "-f", "json", "--no-config"},
				{"who-can", "ecr:PutImage", dir},
			} {
				out, err := run(t, "", args...)
				if code := exitCode(err); code != exitError {
					t.Errorf("%v: exit %d, want %d (nothing usable was read)\n%s", args, code, exitError, out)
					continue
				}
				if !strings.Contains(err.Error(), "no usable input") {
					t.Errorf("%v: the error should say nothing usable was read: %v", args, err)
				}
				for f := range files {
					if !strings.Contains(err.Error(), f) {
						t.Errorf("%v: the error should name %s: %v", args, f, err)
					}
				}
			}
		})
	}
}

func TestAnalyzeUTF16IsNamed(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "iam.json"), utf16LE(string(readDemo(t, "iam-workloads.json"))), 0o644)
	_, err := run(t, "", "analyze", dir, "--no-config")
	if err == nil || !strings.Contains(err.Error(), "UTF-16") {
		t.Errorf("a UTF-16 export should be named as such: %v", err)
	}
}

// One good and one bad file: the analysis runs, exits by its findings, and
// every format's summary names the skipped file; --strict fails.
func TestAnalyzePartialInputIsReported(t *testing.T) {
	dir := t.TempDir()
	good := readDemo(t, "iam-workloads.json")
	os.WriteFile(filepath.Join(dir, "good.json"), good, 0o644)
	os.WriteFile(filepath.Join(dir, "bad-truncated.json"), good[:100], 0o644)

	out, err := run(t, "", "analyze", dir, "--no-config", "--fixes=false", "--fail-on", "critical")
	if code := exitCode(err); code == exitError {
		t.Fatalf("one good file: the analysis should run: %v\n%s", err, out)
	}
	for _, want := range []string{"INCOMPLETE", "bad-truncated.json"} {
		if !strings.Contains(out, want) {
			t.Errorf("table: %q missing from the summary:\n%s", want, out)
		}
	}
	out, err = run(t, "", "analyze", dir, "--no-config", "--fixes=false")
	if err != nil {
		t.Fatalf("without --fail-on the exit code is 0: %v", err)
	}
	out, err = run(t, "", "analyze", dir, "--no-config", "--fixes=false", "--strict")
	if code := exitCode(err); code != exitFindings {
		t.Errorf("--strict with a skipped input: exit %d, want %d", code, exitFindings)
	}

	for _, format := range []string{"json", "markdown", "sarif", "html"} {
		out, _ := run(t, "", "analyze", dir, "--no-config", "--fixes=false", "-f", format)
		if !strings.Contains(out, "bad-truncated.json") {
			t.Errorf("%s: the skipped file is not named", format)
		}
		if format == "json" {
			var rep struct {
				Summary struct {
					Complete bool     `json:"complete"`
					Skipped  []string `json:"skipped"`
				} `json:"summary"`
			}
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Summary.Complete || len(rep.Summary.Skipped) != 1 {
				t.Errorf("json summary: complete=%v skipped=%v", rep.Summary.Complete, rep.Summary.Skipped)
			}
		}
		if format == "html" && !strings.Contains(out, `id="meta-scope"><span class="tag bad">incomplete</span>`) {
			t.Error("html: the run metadata does not tag the scope incomplete")
		}
		if format == "sarif" && !strings.Contains(out, `"text": "skipped input `) {
			t.Error("sarif: no notification names the skipped input")
		}
		if format == "markdown" && !strings.Contains(out, "Incomplete scope") {
			t.Errorf("markdown verdict does not say the scope is incomplete:\n%s", out)
		}
	}
}

// A complete analysis passes --strict.
func TestStrictCompleteDemo(t *testing.T) {
	out, err := run(t, "", "analyze", demo, "--no-config", "--fixes=false", "--strict", "-f", "json")
	if err != nil {
		t.Fatalf("the demo is complete: %v", err)
	}
	if !strings.Contains(out, `"complete": true`) {
		t.Error("the demo's summary should say complete")
	}
}
