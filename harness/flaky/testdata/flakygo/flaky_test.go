// Package flakygo is a deliberately flaky test, for trying `jbcheck stress`
// (see the README). It lives under testdata, so `go test ./...` skips it.
package flakygo

import (
	"sync"
	"testing"
	"time"
)

// TestDuplicateJoins mimics the first original flaky test: five concurrent
// "joins" guarded by a check-then-insert; sometimes more than one succeeds.
func TestDuplicateJoins(t *testing.T) {
	var mu sync.Mutex
	members := map[string]bool{}
	joined := 0
	// The race window opens in about one run in ten, as on a loaded CI machine.
	window := time.Duration(0)
	if time.Now().UnixNano()/1000%10 == 0 {
		window = 200 * time.Microsecond
	}
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			mu.Lock()
			already := members["u0"]
			mu.Unlock()
			time.Sleep(window)
			if !already {
				mu.Lock()
				members["u0"] = true
				joined++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if joined != 1 {
		t.Errorf("%d of 5 concurrent joins succeeded, want exactly 1", joined)
	}
}
