//go:build unix

package analyzer

import "syscall"

// makeFIFO makes a named pipe.
var makeFIFO = func(path string) error { return syscall.Mkfifo(path, 0o644) }
