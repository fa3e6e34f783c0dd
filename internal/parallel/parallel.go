// Package parallel runs independent work on every processor. The cloud
// plug-ins decide their principals with it: each call writes its result
// into a slot of its own index, so the results' order never depends on
// the schedule.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// For runs f(0..n-1) on as many goroutines as there are processors (on
// the calling goroutine when there is one processor or one item).
func For(n int, f func(i int)) {
	ForWith(n, func() struct{} { return struct{}{} }, func(_ struct{}, i int) { f(i) })
}

// ForWith is For with a state per worker, made by newState (a scratch
// buffer that f reuses from one item to the next, never shared).
func ForWith[S any](n int, newState func() S, f func(s S, i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		s := newState()
		for i := 0; i < n; i++ {
			f(s, i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Go(func() {
			s := newState()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				f(s, i)
			}
		})
	}
	wg.Wait()
}
