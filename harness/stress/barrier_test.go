package stress_test

import (
	"context"
	"testing"
	"time"

	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/stress"
	"jbcheck.dev/jbcheck/histories"
)

// TestBarriersCutACorrectRunIntoSegmentsThatEachLinearize: a correct
// variant, synchronous or lagging behind a background worker, run with a
// barrier every 100 ms: every barrier reads every world, the reader
// accepts each as a cut (no call in flight), and every segment linearizes
// from the previous barrier's state to the barrier's.
func TestBarriersCutACorrectRunIntoSegmentsThatEachLinearize(t *testing.T) {
	for _, name := range []string{"locking", "async-watermark"} {
		t.Run(name, func(t *testing.T) {
			v, _ := protocol.Lookup(name)
			summary, verdict := runAndCheck(t, context.Background(), stress.Config{Variant: v, Clients: 8, Worlds: 3,
				Duration: 1500 * time.Millisecond, Seed: 5, BarrierEvery: 100 * time.Millisecond})
			if summary.Barriers < 3 {
				t.Fatalf("%d barriers in 1.5 s (%d skipped), want at least 3", summary.Barriers, summary.BarriersSkipped)
			}
			if !verdict.Passed() {
				t.Errorf("statuses %v, findings %+v", verdict.Statuses, verdict.Findings)
			}
			if want := 3 * int(summary.Barriers+1); verdict.Segments != want {
				t.Errorf("%d segments checked, want %d (3 worlds, %d barriers)", verdict.Segments, want, summary.Barriers)
			}
		})
	}
}

// TestBarriersWaitForTheBackendsOfCallsCutOff: with a per-call timeout so
// short that many calls are cut off (info) and their connections given up,
// barriers are still recorded — once those backends have ended — and the
// segments linearize.
func TestBarriersWaitForTheBackendsOfCallsCutOff(t *testing.T) {
	v, _ := protocol.Lookup("locking")
	summary, verdict := runAndCheck(t, context.Background(), stress.Config{Variant: v, Clients: 4, Worlds: 2,
		Duration: 1500 * time.Millisecond, Seed: 6, OpTimeout: 2 * time.Millisecond, BarrierEvery: 100 * time.Millisecond})
	if summary.Info == 0 {
		t.Skip("no call was cut off on this machine: nothing to test") // not counted as a pass
	}
	if summary.Barriers == 0 {
		t.Fatalf("no barrier in 1.5 s with %d calls cut off (%d skipped)", summary.Info, summary.BarriersSkipped)
	}
	if verdict.Status("L") != histories.Held {
		t.Errorf("L %s with %d calls cut off and %d barriers: %+v", verdict.Status("L"), summary.Info, summary.Barriers, verdict.Findings)
	}
}
