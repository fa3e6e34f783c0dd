// Package golden is the one golden-file helper of the test suite: every
// test that compares an output with a file under testdata/golden (or any
// other expected-output file) calls Check, and `go test PKG -update`
// rewrites those files from the run instead, for review with git diff.
package golden

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
)

// Update is the -update flag every test package shares through this
// package: a package that imports golden gets the flag.
var Update = flag.Bool("update", false, "rewrite the golden files from this run instead of comparing")

// Check compares got with the file at path; with -update it writes got
// there (creating the directory) and passes.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *Update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run the test with -update and review the diff):\n%s", path, firstDifference(want, got))
	}
}

// firstDifference shows the first line that differs, with its number,
// rather than two whole files.
func firstDifference(want, got []byte) string {
	wl, gl := bytes.Split(want, []byte("\n")), bytes.Split(got, []byte("\n"))
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g []byte
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if !bytes.Equal(w, g) {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + clip(w) + "\n  got:  " + clip(g)
		}
	}
	return "(lengths differ)"
}

// clip keeps a long line (the HTML report's are) readable in a message.
func clip(b []byte) string {
	const max = 300
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

// CheckDir compares a set of files (by slash-separated path relative to
// dir) with the files under dir: the same names, the same bytes. With
// -update it replaces dir's contents with them.
func CheckDir(t testing.TB, dir string, got map[string][]byte) {
	t.Helper()
	if *Update {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		for rel, b := range got {
			p := filepath.Join(dir, filepath.FromSlash(rel))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	want := map[string][]byte{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			want[filepath.ToSlash(rel)], _ = os.ReadFile(p)
		}
		return nil
	})
	if len(want) == 0 {
		t.Fatalf("no golden files in %s (run the test with -update to create them)", dir)
	}
	names := make([]string, 0, len(got)+len(want))
	for n := range got {
		names = append(names, n)
	}
	for n := range want {
		if _, ok := got[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		g, written := got[n]
		w, kept := want[n]
		switch {
		case !kept:
			t.Errorf("%s is written but not in %s (run the test with -update)", n, dir)
		case !written:
			t.Errorf("%s is in %s but was not written", n, dir)
		case !bytes.Equal(g, w):
			t.Errorf("%s differs from %s (run the test with -update and review the diff):\n%s", n, dir, firstDifference(w, g))
		}
	}
}
