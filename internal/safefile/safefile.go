// Package safefile writes files into directories an attacker may have
// prepared: a remediation directory or a snapshot directory can hold a
// symlink planted where imagewarden is about to write (remediation.json ->
// ~/.bashrc). WriteFile never writes through such a link: it writes a new
// file under a random name (created exclusively, so never through a link)
// and renames it over the destination, which replaces a link rather than
// following it. A reader sees the old file or the new one, never half.
package safefile

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteFile writes data to path with mode perm, as described above.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	if st, err := os.Lstat(path); err == nil && st.IsDir() {
		return fmt.Errorf("%s: is a directory", path)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Chmod(perm); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
