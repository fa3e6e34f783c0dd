//go:build !unix

package analyzer

import "os"

// openInput opens a file for reading. Without unix FIFOs there is no open
// to keep from blocking; the caller still refuses anything that is not a
// regular file by the opened file's stat.
func openInput(path string) (*os.File, error) { return os.Open(path) }

// isLinkLoop: loops are reported with the system's own error here.
func isLinkLoop(error) bool { return false }
