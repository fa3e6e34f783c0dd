package main

import (
	"os"
	"runtime/debug"
)

// gcPercent is the garbage collector's target for imagewarden: an
// analysis allocates many short-lived values (decisions, the rules'
// input, the report's pieces), and with Go's default of 100 the collector
// took about a quarter of the CPU of a large analysis; at 400 it takes a
// quarter of that CPU less overall (scale S: 5.0 -> 3.7 CPU seconds) for
// about 40% more peak memory.
const gcPercent = 400

// memoryShare is the part of the machine's memory the heap may grow to
// before the collector works harder again: the higher target never
// makes imagewarden use more than this where the default would not.
const memoryShare = 0.6

// gcSettings decides the collector's settings: none when the user chose
// them (GOGC or GOMEMLIMIT in the environment: theirs win) or when the
// machine's memory is unknown (then a higher target could cost memory
// nobody bounded).
func gcSettings(getenv func(string) string, totalMemory uint64) (percent int, limit int64, ok bool) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" || totalMemory == 0 {
		return 0, 0, false
	}
	return gcPercent, int64(float64(totalMemory) * memoryShare), true
}

// tuneGC applies gcSettings.
func tuneGC() {
	if percent, limit, ok := gcSettings(os.Getenv, totalMemory()); ok {
		debug.SetMemoryLimit(limit)
		debug.SetGCPercent(percent)
	}
}
