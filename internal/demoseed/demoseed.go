// Package demoseed gives fuzz targets their seed corpus from the demo
// organisation's exports (testdata/demo): the members, conditions, scopes
// and resource names real exports hold.
package demoseed

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// Strings collects the string values under the given keys (at any depth,
// in lists too) of the JSON files matching glob, sorted and without
// repeats. It fails the test when the files hold none.
func Strings(tb testing.TB, glob string, keys ...string) []string {
	tb.Helper()
	want := map[string]bool{}
	for _, k := range keys {
		want[k] = true
	}
	seen := map[string]bool{}
	var walk func(v any, under bool)
	walk = func(v any, under bool) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				walk(c, want[k])
			}
		case []any:
			for _, c := range x {
				walk(c, under)
			}
		case string:
			if under {
				seen[x] = true
			}
		}
	}
	files, _ := filepath.Glob(glob)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		walk(v, false)
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	if len(out) == 0 {
		tb.Fatalf("no %v in %s", keys, glob)
	}
	return out
}
