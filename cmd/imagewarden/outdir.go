package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"
)

// forceFlag is --force of the collectors: write into a directory that
// already holds files.
func forceFlag(f *pflag.FlagSet) {
	f.Bool("force", false, "write into --out even when it already holds files (old files that this collection does not rewrite stay, and analyze warns about each one the manifest does not list)")
}

// emptyOutDir refuses a snapshot directory that already holds something,
// unless forced: a snapshot mixed with the files of an earlier one is no
// longer the evidence of one collection.
func emptyOutDir(dir string, force bool) error {
	f, err := os.Open(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("--out %s: %w", dir, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("--out %s: %w", dir, err)
	}
	if !st.IsDir() {
		return fmt.Errorf("--out %s: not a directory", dir)
	}
	if _, err := f.Readdirnames(1); err == io.EOF || force {
		return nil
	}
	return fmt.Errorf("--out %s is not empty: a snapshot must not mix with the files of another; choose an empty or new directory, or pass --force", dir)
}
