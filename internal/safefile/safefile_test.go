package safefile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFileReplacesAPlantedSymlink(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(t.TempDir(), "victim")
	os.WriteFile(victim, []byte("precious"), 0o644)
	dst := filepath.Join(dir, "remediation.json")
	if err := os.Symlink(victim, dst); err != nil {
		t.Skipf("symlinks cannot be made here: %v", err)
	}
	if err := WriteFile(dst, []byte("plan"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious" {
		t.Errorf("the symlink's target was written: %q", b)
	}
	st, err := os.Lstat(dst)
	if err != nil || st.Mode()&os.ModeSymlink != 0 || !st.Mode().IsRegular() {
		t.Fatalf("the destination should now be a regular file: %v %v", st, err)
	}
	if b, _ := os.ReadFile(dst); string(b) != "plan" {
		t.Errorf("content: %q", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestWriteFileRefusesADirectory(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "x"), 0o755)
	if err := WriteFile(filepath.Join(dir, "x"), []byte("a"), 0o644); err == nil {
		t.Error("a directory at the destination should be an error")
	}
}
