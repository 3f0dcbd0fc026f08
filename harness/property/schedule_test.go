package property_test

import (
	"context"
	"slices"
	"testing"

	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"

	"pgregory.net/rapid"

	"jbcheck.dev/jbcheck/harness/pgtest"
	"jbcheck.dev/jbcheck/harness/property"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/schedule"
)

func executor(t testing.TB, v protocol.Variant) *schedule.Executor {
	t.Helper()
	e, err := schedule.NewExecutor(context.Background(), pgtest.Server(t), v, 0)
	if err != nil {
		t.Fatal(err)
	}
	e.Reduce = true
	t.Cleanup(e.Close)
	return e
}

// TestPropertyCorrectVariantsKeepEveryGuarantee: the fixed protocol holds in
// every scenario and schedule rapid draws (-rapid.checks sets how many).
func TestPropertyCorrectVariantsKeepEveryGuarantee(t *testing.T) {
	for _, v := range pgtest.Correct() {
		t.Run(v.Info().Name, func(t *testing.T) {
			rapid.Check(t, property.Guarantees(context.Background(), executor(t, v), nil))
		})
	}
}

// minimal says what each bug variant's minimized counterexample must look
// like: the smallest scenario that shows its bug.
var minimal = map[string]struct {
	want string
	ok   func(property.Counterexample) bool
}{
	"join-check-then-insert": {"2 clients, one join each", func(c property.Counterexample) bool {
		return len(c.Scenario.Clients) == 2 && c.Calls() == 2 && allOps(c, model.OpJoin)
	}},
	"join-count-then-insert": {"2 joins into a group of capacity 1", func(c property.Counterexample) bool {
		return c.Calls() == 2 && allOps(c, model.OpJoin) && c.Scenario.World.Groups[0].Capacity == 1
	}},
	"wallet-read-modify-write": {"2 clients, one balance-changing call each", func(c property.Counterexample) bool {
		return len(c.Scenario.Clients) == 2 && c.Calls() == 2 && !slices.ContainsFunc(ops(c), model.Op.ReadOnly)
	}},
	"transfer-check-then-debit": {"2 transfers", func(c property.Counterexample) bool {
		return c.Calls() == 2 && allOps(c, model.OpTransfer)
	}},
	"leave-double-refund": {"a join and two leaves", func(c property.Counterexample) bool {
		return c.Calls() == 3 && slices.Equal(sorted(ops(c)), []model.Op{model.OpJoin, model.OpLeave, model.OpLeave})
	}},
	"balance-async-recompute": {"one write and one read (and the worker)", func(c property.Counterexample) bool {
		o := ops(c)
		return c.Calls() == 2 && slices.Contains(o, model.OpBalance) && slices.ContainsFunc(o, func(op model.Op) bool { return !op.ReadOnly() })
	}},
}

func ops(c property.Counterexample) []model.Op {
	var out []model.Op
	for _, calls := range c.Scenario.Clients {
		for _, in := range calls {
			out = append(out, in.Op)
		}
	}
	return out
}

func allOps(c property.Counterexample, op model.Op) bool {
	return !slices.ContainsFunc(ops(c), func(o model.Op) bool { return o != op })
}

func sorted(o []model.Op) []model.Op { slices.Sort(o); return o }

// TestPropertyBugVariantsAreCaughtAndShrunk: for every bug variant the
// property fails, the failure shrinks to the minimal form above, and its
// evidence (history, picture, transcript) is written and replays: the
// history read back from disk checks as violated again.
func TestPropertyBugVariantsAreCaughtAndShrunk(t *testing.T) {
	for _, v := range protocol.All() {
		name := v.Info().Name
		if v.Info().Correct() || v.Info().FaultOnly {
			// Bugs only faults reveal are hunted with faults at every
			// point: schedule.TestFaultsFindWhatOnlyFaultsCanFind.
			continue
		}
		t.Run(name, func(t *testing.T) {
			rule, known := minimal[name]
			if !known {
				t.Fatalf("no minimality rule for %s: add one", name)
			}
			// Up to 10 rounds of -rapid.checks draws, seeds 1 to 10.
			caught, err := property.Catch(context.Background(), executor(t, v), 1, 10, 0)
			if err != nil {
				t.Fatal(err)
			}
			if caught == nil {
				t.Fatalf("%s escaped: the property held in every round", name)
			}
			got := caught.Minimal
			t.Logf("caught with seed %d; rapid shrank it to %s; minimized to %s, world %s, schedule %v, violated %v",
				caught.Seed, caught.Drawn.Scenario, got.Scenario, got.Scenario.World.String(), got.Result.Choices, got.Result.Verdict.Violated())
			if !rule.ok(got) {
				t.Errorf("minimized to %s, want %s\nrapid said:\n%s", got.Scenario, rule.want, caught.Report)
			}
			for _, g := range got.Result.Verdict.Violated() {
				if !slices.Contains(v.Info().Breaks, g) {
					t.Errorf("%s violated %v, which it does not declare it breaks", name, g)
				}
			}
			ev, err := schedule.WriteEvidence(t.TempDir(), got.Result)
			if err != nil {
				t.Fatal(err)
			}
			h, err := histories.ReadFile(ev.History)
			if err != nil {
				t.Fatal(err)
			}
			if v := histories.Check(h, histories.CheckOptions{}); len(v.Violated()) == 0 {
				t.Errorf("the written history %s checks as %v", ev.History, v.Statuses)
			}
		})
	}
}
