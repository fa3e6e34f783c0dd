package parallel

import (
	"runtime"
	"sync/atomic"
	"testing"
)

// Every index runs exactly once, whatever the number of processors, and
// each worker's state is its own.
func TestFor(t *testing.T) {
	for _, procs := range []int{1, 2, 8} {
		old := runtime.GOMAXPROCS(procs)
		for _, n := range []int{0, 1, 7, 1000} {
			seen := make([]atomic.Int32, n)
			For(n, func(i int) { seen[i].Add(1) })
			for i := range seen {
				if c := seen[i].Load(); c != 1 {
					t.Fatalf("GOMAXPROCS %d, n %d: index %d ran %d times", procs, n, i, c)
				}
			}
			var states atomic.Int32
			owner := make([]*int, n)
			ForWith(n, func() *int { id := int(states.Add(1)); return &id }, func(s *int, i int) { owner[i] = s })
			if n > 0 && (int(states.Load()) < 1 || int(states.Load()) > max(procs, 1)) {
				t.Fatalf("GOMAXPROCS %d, n %d: %d states made", procs, n, states.Load())
			}
			for i, o := range owner {
				if o == nil {
					t.Fatalf("GOMAXPROCS %d: index %d did not run", procs, i)
				}
			}
		}
		runtime.GOMAXPROCS(old)
	}
}
