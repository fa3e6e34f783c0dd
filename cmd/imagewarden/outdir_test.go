package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// collect --out refuses a directory that already holds files, before any
// call to the cloud, unless --force.
func TestCollectRefusesNonEmptyOut(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "old.json"), []byte("{}"), 0o644)
	for _, args := range [][]string{
		{"collect", "aws", "--out", dir, "--region", "us-east-1"},
		{"collect", "gcp", "--project", "p-one", "--out", dir},
		{"collect", "azure", "--out", dir},
	} {
		_, err := run(t, "", args...)
		if err == nil || !strings.Contains(err.Error(), "is not empty") {
			t.Errorf("%v: want a refusal of the non-empty --out, got %v", args, err)
		}
	}
	if err := emptyOutDir(dir, true); err != nil {
		t.Errorf("--force: %v", err)
	}
	if err := emptyOutDir(filepath.Join(dir, "new"), false); err != nil {
		t.Errorf("a new directory: %v", err)
	}
	if err := emptyOutDir(t.TempDir(), false); err != nil {
		t.Errorf("an empty directory: %v", err)
	}
	if err := emptyOutDir(filepath.Join(dir, "old.json"), true); err == nil {
		t.Error("a file as --out should be refused")
	}
}
