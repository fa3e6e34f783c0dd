//go:build !unix

package analyzer

// makeFIFO is nil: there are no named pipes in the file system here
// (Windows has them only under \\.\pipe\, not in directories).
var makeFIFO func(path string) error
