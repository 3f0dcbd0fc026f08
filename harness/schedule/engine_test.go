package schedule

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"jbcheck.dev/jbcheck/harness/interleave"
	_ "jbcheck.dev/jbcheck/harness/protocol/testvariants"
	"jbcheck.dev/jbcheck/model"
)

// TestAnOperationThatRunsNoStatementIsAStep: a balance served from an
// in-process cache runs no statement; the engine still gives it a step, so
// the run explores, replays and minimizes like any other — and the stale
// read the cache causes is found.
func TestAnOperationThatRunsNoStatementIsAStep(t *testing.T) {
	e := executor(t, "test-cached-balance", true)
	sc := mustParse(t, "c0: balance(u0) deposit(u0,5) balance(u0)", "")
	rep, err := Explore(context.Background(), []*Executor{e}, sc, ExploreOptions{Strategy: Strategy{Name: "exhaustive"}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Violation == nil || !slices.Contains(rep.Violation.Verdict.Violated(), model.Linearizable) {
		t.Fatalf("no stale read in %d schedules", rep.Explored)
	}
	if !strings.Contains(transcriptOf(rep.Violation), "(an operation that runs no statement)") {
		t.Errorf("the cache hit is not a step of its own:\n%s", transcriptOf(rep.Violation))
	}
	h := readFile(t, rep.Violation)
	for range 20 {
		choices := interleave.Replay(rep.Violation.Choices)
		res, err := e.Run(context.Background(), sc, &choices)
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != Outcome(h) {
			t.Fatalf("replay differs:\n%s\nrecorded:\n%s", res.Outcome, Outcome(h))
		}
	}
	small, _, err := Minimize(context.Background(), []*Executor{e}, sc, rep.Violation, []model.Guarantee{model.Linearizable})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("minimal: %s", small)
}

// TestAMidFlightAuditSeesWhatOnlyExistsBetweenTwoStatements: a transfer
// made of two autocommit statements loses money for a moment. No final
// audit can see it; an audit the engine runs between the two can.
func TestAMidFlightAuditSeesWhatOnlyExistsBetweenTwoStatements(t *testing.T) {
	sc := mustParse(t, "c0: transfer(u0,u1,10); c1: balance(u1)", "")
	for _, audits := range []int{0, 1} {
		e := executor(t, "test-split-transfer", true)
		e.Audits = audits
		rep, err := Explore(context.Background(), []*Executor{e}, sc, ExploreOptions{Strategy: Strategy{Name: "exhaustive"}})
		if err != nil {
			t.Fatal(err)
		}
		caught := rep.Violation != nil && slices.Contains(rep.Violation.Verdict.Violated(), model.Conservation)
		if caught != (audits > 0) {
			t.Errorf("audits %d: caught %v after %d schedules (only an audit between the statements can catch it)", audits, caught, rep.Explored)
		}
		if caught && !strings.Contains(transcriptOf(rep.Violation), "audit") {
			t.Errorf("the violating schedule has no audit:\n%s", transcriptOf(rep.Violation))
		}
	}
}

// TestAReadStartsWhenItIsScheduled: a read that waits only for its own
// client's writes is stale for a read on another client that starts after
// the write returned — with one call per client. The call begins when its
// first statement is granted, not at the start of the run.
func TestAReadStartsWhenItIsScheduled(t *testing.T) {
	e := executor(t, "test-read-own-writes", true)
	rep, err := Explore(context.Background(), []*Executor{e}, mustParse(t, "c0: deposit(u0,5); c1: balance(u0)", ""),
		ExploreOptions{Strategy: Strategy{Name: "exhaustive"}, Max: 2000})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Violation == nil || !slices.Contains(rep.Violation.Verdict.Violated(), model.Linearizable) {
		t.Fatalf("no cross-client stale read in %d schedules", rep.Explored)
	}
	own, err := Explore(context.Background(), []*Executor{e}, mustParse(t, "c0: deposit(u0,5) balance(u0)", ""),
		ExploreOptions{Strategy: Strategy{Name: "exhaustive"}, Max: 2000})
	if err != nil {
		t.Fatal(err)
	}
	if own.Violation != nil {
		t.Errorf("a client's read of its own write was stale:\n%s", transcriptOf(own.Violation))
	}
}

// TestTheDeadlockVictimFails: two opposite transfers that lock in different
// orders deadlock in some schedules; PostgreSQL aborts the one whose lock
// closed the cycle with 40P01, recorded as fail (it did nothing), and no
// guarantee is violated.
func TestTheDeadlockVictimFails(t *testing.T) {
	e := executor(t, "test-lock-order-transfer", false)
	rep, err := Explore(context.Background(), []*Executor{e}, mustParse(t, "c0: transfer(u0,u1,10); c1: transfer(u1,u0,10)", ""),
		ExploreOptions{Strategy: Strategy{Name: "exhaustive"}, KeepGoing: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Violation != nil {
		t.Fatalf("violated %v:\n%s", rep.Violation.Verdict.Violated(), transcriptOf(rep.Violation))
	}
	deadlocks := 0
	for outcome := range rep.Outcomes {
		if strings.Contains(outcome, "→ fail") {
			deadlocks++
		}
	}
	if deadlocks == 0 {
		t.Fatalf("no deadlock in %d schedules: %v", rep.Explored, rep.Outcomes)
	}
	// One deadlocking schedule, replayed: the victim's error is 40P01.
	choices := interleave.Replay{0, 0, 1, 0, 1}
	res, err := e.Run(context.Background(), mustParse(t, "c0: transfer(u0,u1,10); c1: transfer(u1,u0,10)", ""), &choices)
	if err != nil {
		t.Fatal(err)
	}
	if file, _ := res.File(); !bytes.Contains(file, []byte(`"type":"fail"`)) || !bytes.Contains(file, []byte("40P01")) {
		t.Errorf("the victim is not a failed call with 40P01:\n%s\n%s", file, transcriptOf(res))
	}
	t.Logf("%d schedules, %d outcomes with a deadlock", rep.Explored, deadlocks)
}
