//go:build !unix

package analyzer

import "time"

// processCPU is not measured here: stages report 0 CPU seconds.
func processCPU() time.Duration { return 0 }
