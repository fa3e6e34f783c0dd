package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestAnalyzeIncludeFacts: the JSON report carries the facts, edges and
// paths only with --include-facts, and the same findings either way.
func TestAnalyzeIncludeFacts(t *testing.T) {
	reports := map[bool]map[string]json.RawMessage{}
	for _, include := range []bool{false, true} {
		out := filepath.Join(t.TempDir(), "report.json")
		args := []string{"analyze", demo, "--no-config", "--fixes=false", "-f", "json", "-o", out}
		if include {
			args = append(args, "--include-facts")
		}
		if s, err := run(t, "", args...); err != nil {
			t.Fatalf("%v\n%s", err, s)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(b, &keys); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"facts", "edges", "paths"} {
			if v, ok := keys[k]; ok != include || include && len(v) < 10 {
				t.Errorf("--include-facts=%v: %q present %v (%d bytes)", include, k, ok, len(v))
			}
		}
		reports[include] = keys
	}
	if string(reports[false]["findings"]) != string(reports[true]["findings"]) {
		t.Error("the findings differ with --include-facts")
	}
}
