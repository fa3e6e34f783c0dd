//go:build unix

package analyzer

import (
	"errors"
	"os"
	"syscall"
)

// openInput opens a file for reading without blocking: O_NONBLOCK makes
// the open of a FIFO return at once instead of waiting for a writer (the
// caller then refuses it by fstat), and O_NOCTTY keeps a terminal device
// from becoming the controlling terminal. Reads of regular files ignore
// O_NONBLOCK.
func openInput(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
}

// isLinkLoop reports a symbolic link loop (ELOOP).
func isLinkLoop(err error) bool { return errors.Is(err, syscall.ELOOP) }
