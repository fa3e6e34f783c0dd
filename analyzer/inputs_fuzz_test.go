package analyzer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer/catalog"
)

// demoInputs are the JSON files of testdata/demo, the seed corpus of the
// input fuzz targets: every format of the three plug-ins, as exported.
func demoInputs(f *testing.F) [][]byte {
	f.Helper()
	var out [][]byte
	err := filepath.WalkDir("../testdata/demo", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".json" {
			return err
		}
		b, err := os.ReadFile(p)
		out = append(out, b)
		return err
	})
	if err != nil || len(out) == 0 {
		f.Fatalf("seed corpus testdata/demo: %d files, %v", len(out), err)
	}
	return out
}

// Inputs that are not exports, or are broken ones.
var oddInputs = []string{
	``, ` `, "\xef\xbb\xbf{}", `{}`, `[]`, `null`, `[null]`, `[1]`, `"x"`, `{"a":1}{"b":2}`, "{}\nnull", "{}\n[]",
	`{"a":1} x`, `{"a":`, `[{"a":1},`, "{\"a\":1}\n{\"b\":\n", `{"Policies":null}`, `{"Policies":{}}`,
	`{"UserDetailList":[{"Arn":"arn:aws:iam::1:user/u","UserPolicyList":[{"PolicyDocument":"%7B"}]}]}`,
	`{"collected":[],"skipped":[{"name":"x"}],"tool":"imagewarden","interrupted":true}`,
	`[{"resource":"//CloudResourceManager.googleapis.com/projects/p/","policy":{"bindings":[{"role":"roles/owner","members":["user:a@b"],"condition":{"expression":"request.time <"}}]}}]`,
	`[{"principalId":"x","roleDefinitionId":"/x/","scope":"/"}]`,
	`{"value":[{"properties":{"principalId":"x","roleDefinitionId":"y","scope":"//"}}]}`,
}

// FuzzDecodeDocument: any bytes decode to an object, a list of objects,
// or an error with a message; never both, never a nil object among the
// items, and a decoded object keeps its keys through JSON.
func FuzzDecodeDocument(f *testing.F) {
	for _, b := range demoInputs(f) {
		f.Add(b)
	}
	for _, s := range oddInputs {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := decodeDocument(data)
		if err != nil {
			if doc != nil {
				t.Fatalf("a document and an error: %v", err)
			}
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		if doc == nil {
			t.Fatal("neither a document nor an error")
		}
		if doc.Object != nil && doc.Items != nil {
			t.Fatal("both an object and items")
		}
		for i, it := range doc.Items {
			if it == nil {
				t.Fatalf("item %d is not an object (null) yet the document was accepted", i)
			}
		}
		if doc.Object != nil {
			raw, err := json.Marshal(doc.Object)
			if err != nil {
				t.Fatalf("the decoded object does not marshal: %v", err)
			}
			again, err := decodeDocument(raw)
			if err != nil || again.Object == nil || len(again.Object) != len(doc.Object) {
				t.Fatalf("the decoded object does not decode again the same: %v", err)
			}
		}
	})
}

// FuzzLoadInputs writes two fuzzed files to a directory and reads it with
// every plug-in, as `imagewarden analyze DIR` does, then evaluates what
// was read. Nothing panics; every file is accounted for in the sources,
// once, with its kind or why it was skipped, and the SHA-256 of what was
// read; each plug-in's counts balance (read = evaluated + skipped +
// duplicates).
func FuzzLoadInputs(f *testing.F) {
	demo := demoInputs(f)
	for i, b := range demo {
		f.Add(b, b)                     // the same export twice: duplicates
		f.Add(b, demo[(i+1)%len(demo)]) // two different ones
	}
	for _, s := range oddInputs {
		f.Add([]byte(s), demo[0])
	}
	cat, err := catalog.Load()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		dir := t.TempDir()
		files := map[string][]byte{filepath.Join(dir, "a.json"): a, filepath.Join(dir, "b.json"): b}
		for p, data := range files {
			if err := os.WriteFile(p, data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		providers := Providers()
		sources, err := LoadInputs(context.Background(), []string{dir}, providers)
		if err != nil {
			t.Fatalf("LoadInputs: %v", err)
		}
		var paths []string
		for _, s := range sources {
			paths = append(paths, s.Path)
			data, ok := files[s.Path]
			if !ok {
				t.Fatalf("a source for a file not written: %s", s.Path)
			}
			if s.Kind == "" && s.Error == "" {
				t.Errorf("%s: neither a kind nor an error: %+v", s.Path, s)
			}
			if s.SHA256 != "" {
				sum := sha256.Sum256(data)
				if s.SHA256 != hex.EncodeToString(sum[:]) {
					t.Errorf("%s: SHA-256 %s is not that of the file", s.Path, s.SHA256)
				}
			} else if s.Error == "" {
				t.Errorf("%s: read without an error but without a SHA-256", s.Path)
			}
		}
		sort.Strings(paths)
		if len(paths) != 2 || paths[0] != filepath.Join(dir, "a.json") || paths[1] != filepath.Join(dir, "b.json") {
			t.Fatalf("sources %q, want each of the two files once", paths)
		}
		for _, p := range providers {
			snap := p.Evaluate(cat)
			for _, c := range snap.Counts {
				if !c.Balanced() {
					t.Errorf("%s: counts do not balance: %+v", p.Cloud(), c)
				}
			}
			for _, w := range snap.Warnings {
				if w.Message == "" {
					t.Errorf("%s: a warning without a message at %q", p.Cloud(), w.Where)
				}
			}
			if _, err := json.Marshal(snap); err != nil {
				t.Errorf("%s: the snapshot does not marshal: %v", p.Cloud(), err)
			}
		}
	})
}
