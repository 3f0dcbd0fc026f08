package schedule

import (
	"context"
	"slices"
	"testing"

	"jbcheck.dev/jbcheck/harness/fault"
	"jbcheck.dev/jbcheck/harness/interleave"
	"jbcheck.dev/jbcheck/model"
)

// faultyExecutor is an executor for variant, with reductions, whose
// schedules may inject one of faults between any two steps.
func faultyExecutor(t *testing.T, variant string, faults string) *Executor {
	t.Helper()
	return faultyExecutorReducing(t, variant, faults, true)
}

// faultyExecutorReducing is faultyExecutor, its reductions on or off.
func faultyExecutorReducing(t *testing.T, variant string, faults string, reduce bool) *Executor {
	t.Helper()
	e := executor(t, variant, reduce)
	fs, err := fault.Parse(faults)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.SetFaults(fs, 1); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestFaultsFindWhatOnlyFaultsCanFind: each fault-only bug is found by
// exploring its one-client scenario with a fault at every point — and only
// with it; its counterexample replays exactly, the fault at the same step.
func TestFaultsFindWhatOnlyFaultsCanFind(t *testing.T) {
	tests := []struct {
		variant, scenario, faults string
		want                      model.Guarantee
	}{
		{"join-fee-outside-tx", "c0: join(u0,g0)", "crash", model.Atomicity},
		{"join-fee-outside-tx", "c0: join(u0,g0)", "kill", model.Atomicity},
		{"deposit-async-commit", "c0: deposit(u0,5) balance(u0)", "crash", model.Durability},
		{"deposit-retry-double-credit", "c0: deposit(u0,5)", "lose-reply", model.Linearizable},
	}
	for _, tt := range tests {
		t.Run(tt.variant+"/"+tt.faults, func(t *testing.T) {
			sc := mustParse(t, tt.scenario, "")
			if rep := explore(t, tt.variant, true, sc, ExploreOptions{}); rep.Violation != nil {
				t.Fatalf("violated without faults: %v\n%s", rep.Violation.Verdict.Violated(), transcriptOf(rep.Violation))
			}
			e := faultyExecutor(t, tt.variant, tt.faults)
			rep, err := Explore(context.Background(), []*Executor{e}, sc, ExploreOptions{Strategy: Strategy{Name: "exhaustive"}})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Violation == nil || !slices.Contains(rep.Violation.Verdict.Violated(), tt.want) {
				t.Fatalf("%d schedules with %s, no violation of %s", rep.Explored, tt.faults, tt.want)
			}
			h := readFile(t, rep.Violation)
			if len(h.Faults) != 1 {
				t.Errorf("the counterexample records %d faults, want 1", len(h.Faults))
			}
			for i := range 20 {
				choices := interleave.Replay(rep.Violation.Choices)
				res, err := e.Run(context.Background(), sc, &choices)
				if err != nil {
					t.Fatal(err)
				}
				if res.Outcome != Outcome(h) || !slices.Contains(res.Verdict.Violated(), tt.want) {
					t.Fatalf("replay %d: %v, outcome %q, recorded %q", i, res.Verdict.Violated(), res.Outcome, Outcome(h))
				}
			}
			t.Logf("caught after %d schedules: %v\n%s", rep.Explored, rep.Violation.Verdict.Violated(), transcriptOf(rep.Violation))
		})
	}
}

// TestCorrectVariantsKeepDAndAUnderFaults: every fault at every point of a
// few calls leaves the correct variants with every guarantee, D and A
// decided and held.
func TestCorrectVariantsKeepDAndAUnderFaults(t *testing.T) {
	for _, variant := range []string{"locking", "serializable", "async-watermark"} {
		t.Run(variant, func(t *testing.T) {
			e := faultyExecutor(t, variant, "crash,kill,lose-reply")
			sc := mustParse(t, "c0: join(u0,g0); c1: transfer(u0,u1,10)", "")
			opts := ExploreOptions{Strategy: Strategy{Name: "preempt", K: 1}, Max: 40}
			rep, err := Explore(context.Background(), []*Executor{e}, sc, opts)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Violation != nil {
				t.Fatalf("violated %v:\n%s", rep.Violation.Verdict.Violated(), transcriptOf(rep.Violation))
			}
			t.Logf("%d schedules", rep.Explored)
		})
	}
}

// TestAnExplorationAfterACrashOnAnotherLaneRunsInFull: a crash explored on
// one executor kills every backend of the server, another executor's too;
// the next exploration on both finds the server restarted, connects again,
// and explores every schedule, as before the crash.
func TestAnExplorationAfterACrashOnAnotherLaneRunsInFull(t *testing.T) {
	ctx := context.Background()
	crashing, other := faultyExecutor(t, "locking", "crash"), executor(t, "locking", false)
	crashing.Reduce = false
	two := mustParse(t, "c0: join(u0,g0); c1: join(u0,g0)", "")
	full := func(label string) {
		t.Helper()
		rep, err := Explore(ctx, []*Executor{other, crashing}, two, ExploreOptions{Strategy: Strategy{Name: "exhaustive"}})
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		if rep.Explored != 36 || !rep.Complete {
			t.Fatalf("%s: %d schedules (complete %v), want all 36", label, rep.Explored, rep.Complete)
		}
	}
	if err := crashing.SetFaults(nil, 0); err != nil {
		t.Fatal(err)
	}
	full("before the crash")
	f, _ := fault.Parse("crash")
	if err := crashing.SetFaults(f, 1); err != nil {
		t.Fatal(err)
	}
	rep, err := Explore(ctx, []*Executor{crashing}, mustParse(t, "c0: deposit(u0,5)", ""), ExploreOptions{Strategy: Strategy{Name: "exhaustive"}, Max: 3})
	if err != nil || rep.Explored < 2 {
		t.Fatalf("exploring crashes: %v (%d schedules)", err, rep.Explored)
	}
	if err := crashing.SetFaults(nil, 0); err != nil {
		t.Fatal(err)
	}
	full("after the crash")
}
