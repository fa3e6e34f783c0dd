package safefile

import (
	"path/filepath"
	"strings"
)

// Key names the file a path designates, so that two spellings of one file
// (out.json, ./out.json, sub/../out.json, a symlinked directory) compare
// equal: the absolute, cleaned path with the symlinks of its directory
// resolved, and of the file itself when it exists.
func Key(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return filepath.Clean(p)
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		return r
	}
	if dir, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		return filepath.Join(dir, filepath.Base(abs))
	}
	return abs
}

// Inside reports whether path is dir or lies under it, compared by Key.
func Inside(path, dir string) bool {
	p, d := Key(path), Key(dir)
	return p == d || strings.HasPrefix(p, d+string(filepath.Separator))
}
