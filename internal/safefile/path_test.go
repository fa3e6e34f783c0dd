package safefile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestKeyAndInside(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.Mkdir("sub", 0o755)
	if err := os.Symlink("sub", "link"); err != nil {
		t.Skipf("symlinks cannot be made here: %v", err)
	}
	for _, spelling := range []string{"sub/out.json", "./sub/out.json", "sub/../sub/out.json", "link/out.json", filepath.Join(dir, "sub", "out.json")} {
		if Key(spelling) != Key("sub/out.json") {
			t.Errorf("%s: key %s, want %s", spelling, Key(spelling), Key("sub/out.json"))
		}
		if !Inside(spelling, "sub") || !Inside(spelling, "link") || !Inside(spelling, dir) {
			t.Errorf("%s should be inside sub, link and %s", spelling, dir)
		}
	}
	if Inside("subway/x.json", "sub") || Inside("out.json", "sub") {
		t.Error("a sibling whose name starts like the directory is not inside it")
	}
	if !Inside("sub", "sub") {
		t.Error("a directory is inside itself")
	}
}
