package interleave

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestWorkersAreKeptFromOneScheduleToTheNext: a hundred rounds of three
// bodies each run on three goroutines, not three hundred; closing ends them.
func TestWorkersAreKeptFromOneScheduleToTheNext(t *testing.T) {
	before := runtime.NumGoroutine()
	w := newWorkers()
	var ran atomic.Int64
	peak := 0
	for range 100 {
		var wg sync.WaitGroup
		for range 3 {
			w.Go(&wg, func() { ran.Add(1) })
		}
		wg.Wait()
		peak = max(peak, runtime.NumGoroutine()-before)
	}
	if ran.Load() != 300 {
		t.Fatalf("%d bodies ran, want 300", ran.Load())
	}
	if peak > 3 {
		t.Errorf("%d goroutines for three bodies at a time", peak)
	}
	w.close()
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > before; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines left after close", runtime.NumGoroutine()-before)
		}
	}
}
