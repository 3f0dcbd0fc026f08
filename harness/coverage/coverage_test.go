package coverage

import (
	"strings"
	"testing"

	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

func made(client int, in model.Input, start, end int64) []histories.Event {
	return []histories.Event{
		{Type: histories.Invoke, Client: client, World: 1, Input: &in, Time: start},
		{Type: histories.OK, Client: client, World: 1, Time: end},
	}
}

func history(mode string, calls ...[]histories.Event) *histories.History {
	h := &histories.History{Header: histories.Header{Mode: mode}}
	for _, c := range calls {
		h.Events = append(h.Events, c...)
	}
	return h
}

var (
	join0    = model.Input{Op: model.OpJoin, User: "u0", Group: "g0"}
	join1    = model.Input{Op: model.OpJoin, User: "u1", Group: "g1"}
	balance0 = model.Input{Op: model.OpBalance, User: "u0"}
)

// TestObserveStress: overlapping joins on one group reach same-rows; a
// read of the wallet a join debits, read-write; a call within another's
// span, or an audit during a call, mid-call. Calls that never meet, or meet
// on no row, reach nothing.
func TestObserveStress(t *testing.T) {
	for _, c := range []struct {
		name string
		h    *histories.History
		want Set
	}{
		{"apart", history(histories.ModeStress, made(0, join0, 0, 10), made(1, join0, 20, 30)), Set{}},
		{"other rows", history(histories.ModeStress, made(0, join0, 0, 10), made(1, join1, 5, 15)), Set{}},
		{"same rows", history(histories.ModeStress, made(0, join0, 0, 10), made(1, join0, 5, 15)), Set{SameRows: true}},
		{"read during a write", history(histories.ModeStress, made(0, join0, 0, 10), made(1, balance0, 2, 8)), Set{ReadWrite: true, MidCall: true}},
		{"same client", history(histories.ModeStress, made(0, join0, 0, 10), made(0, join0, 5, 15)), Set{}},
	} {
		if got := Observe(c.h, nil, nil); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	audited := history(histories.ModeStress, made(0, join1, 0, 10))
	audited.Audits = []histories.Event{{Type: histories.Audit, World: 1, Time: 5}}
	if got := Observe(audited, nil, nil); got != (Set{MidCall: true}) {
		t.Errorf("an audit during a call: got %v", got)
	}
	if got := Observe(history(histories.ModeStress, made(0, balance0, 0, 10)), nil, []Span{{5, 6}}); got != (Set{WorkerRound: true}) {
		t.Errorf("a worker round during a read: got %v", got)
	}
}

// TestObserveSchedule: in schedule mode the transcript says which session
// ran each step: c1's statement between two of c0's is mid-call, a worker
// round from BEGIN to COMMIT during a call is worker-round.
func TestObserveSchedule(t *testing.T) {
	// c0's join runs steps 1 and 3 (times 3 and 10), c1's join step 2.
	h := history(histories.ModeSchedule, made(0, join0, 3, 10), made(1, join0, 6, 7))
	transcript := []string{"   1  c0: begin", "   2  c1: INSERT …", "        c1: join(u0,g0) → joined", "   3  c0: commit"}
	if got := Observe(h, transcript, nil); got != (Set{SameRows: true, MidCall: true}) {
		t.Errorf("got %v", got)
	}
	// The same calls one after the other reach nothing.
	h = history(histories.ModeSchedule, made(0, join0, 3, 7), made(1, join0, 9, 10))
	if got := Observe(h, []string{"   1  c0: begin", "   2  c0: commit", "   3  c1: INSERT …"}, nil); got != (Set{}) {
		t.Errorf("sequential: got %v", got)
	}
	// A read at step 2, inside the worker's round of steps 1–3.
	h = history(histories.ModeSchedule, made(0, balance0, 6, 7))
	transcript = []string{"   1  worker: begin isolation level repeatable read", "   2  c0: SELECT balance …", "   3  worker: commit"}
	if got := Observe(h, transcript, nil); got != (Set{WorkerRound: true}) {
		t.Errorf("worker round: got %v", got)
	}
	// An audit between the two statements of a call (after step 1).
	h = history(histories.ModeSchedule, made(0, join0, 3, 10))
	h.Audits = []histories.Event{{Type: histories.Audit, World: 1, Time: 5}}
	if got := Observe(h, []string{"   1  c0: begin", "        audit", "   3  c0: commit"}, nil); got != (Set{MidCall: true}) {
		t.Errorf("audit mid-call: got %v", got)
	}
}

// TestReachableFromScenarios: a window is reachable when a scenario of the
// set can reach it; clients on rows of their own reach none, and the worker
// window needs a worker.
func TestReachableFromScenarios(t *testing.T) {
	shared, _ := model.ParseScenario("c0: join(u0,g0); c1: join(u0,g0) balance(u0)", "")
	apart, _ := model.ParseScenario("c0: join(u0,g0); c1: join(u1,g1)", "")
	if got := Reachable([]model.Scenario{apart}, true); got != (Set{WorkerRound: true}) {
		t.Errorf("apart: %v", got)
	}
	if got := Reachable([]model.Scenario{apart, shared}, false); got != (Set{SameRows: true, ReadWrite: true, MidCall: true}) {
		t.Errorf("shared: %v", got)
	}
	if got := Reachable([]model.Scenario{StressScenario()}, false); got != (Set{SameRows: true, ReadWrite: true, MidCall: true}) {
		t.Errorf("stress: %v", got)
	}
}

// TestTableUnreached: a reachable window no run reached is reported, and
// printed as such; an unreachable one is not.
func TestTableUnreached(t *testing.T) {
	var tb Table
	tb.Reach(Set{SameRows: true, ReadWrite: true})
	tb.Add(Set{SameRows: true})
	tb.Add(Set{})
	if got := tb.Unreached(); len(got) != 1 || got[0] != ReadWrite {
		t.Errorf("unreached %v, want [read-write]", got)
	}
	s := tb.String()
	if !strings.Contains(s, "same-rows        1/2") || !strings.Contains(s, "NEVER REACHED") || !strings.Contains(s, "not reachable") {
		t.Errorf("table:\n%s", s)
	}
	var all Table
	all.Merge(tb)
	all.Merge(tb)
	if all.Runs != 4 || all.Reached[SameRows] != 2 || !all.Reachable[ReadWrite] {
		t.Errorf("merged: %+v", all)
	}
}
