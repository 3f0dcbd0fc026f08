package spec

import (
	"errors"
	"testing"

	"jbcheck.dev/jbcheck/harness/interleave"
)

// TestSpecSerialRunStaysStoppedWhenItsCancelledStepEndsFirst: a serial run
// stops at its first step that waits (ErrBlockedSerially) by cancelling the
// run; the engine may then report the cancelled step's end before it sees
// the cancellation, and ask again. The tester must direct nothing more
// and keep its reason — not go on and find the next step's session unready
// (an "internal error" that once failed the oracle's test, 1 run in 50).
func TestSpecSerialRunStaysStoppedWhenItsCancelledStepEndsFirst(t *testing.T) {
	lock := &Step{Name: "s2lock", Session: 1}
	read := &Step{Name: "s2read", Session: 1, Index: 1}
	other := &Step{Name: "s1a", Session: 0}
	perm := &Permutation{Steps: []*PermStep{{Name: "s2lock", Step: lock}, {Name: "s2read", Step: read}, {Name: "s1a", Step: other}}}
	tt := newTester(perm, 2)
	stopped := false
	tt.abort = func() { stopped = true }
	tt.bind(&run{
		sessions: []*sessionRec{{name: "s1"}, {name: "s2"}},
		steps:    [][]*opRec{{{step: other}}, {{step: lock, session: 1}, {step: read, session: 1}}},
		setups:   make([]*opRec, 2),
	})
	if got := tt.Direct(interleave.Point{Options: []int{1, 0}}); got != 0 {
		t.Fatalf("first choice %d, want s2lock (option 0)", got)
	}
	if got := tt.Direct(interleave.Point{Options: []int{0}, InFlight: []int{1}}); got != interleave.Wait || !stopped {
		t.Fatalf("s2lock waits: choice %d, run stopped %v; want Wait and the run stopped", got, stopped)
	}
	// s2lock ended (cancelled) before the engine saw the run cancelled:
	// s2 is done, s1 ready.
	if got := tt.Direct(interleave.Point{Options: []int{0}}); got != interleave.Wait {
		t.Fatalf("after the stop, choice %d, want Wait", got)
	}
	if !errors.Is(tt.err, ErrBlockedSerially) {
		t.Fatalf("the run's error is %v, want ErrBlockedSerially", tt.err)
	}
}
