//go:build !linux

package main

// totalMemory is unknown here: the collector keeps Go's defaults.
func totalMemory() uint64 { return 0 }
