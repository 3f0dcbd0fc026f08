package verify

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"jbcheck.dev/jbcheck/harness/mutate"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/report"
	"jbcheck.dev/jbcheck/harness/schedule"
	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

// lagSchedules and lagFaultSchedules bound each scenario of a lagging
// variant's mutants: a crash costs a restart.
const lagSchedules, lagFaultSchedules = 60, 40

// lagStrategy explores a lagging variant's scenarios, in jbcheck mutate and
// in the gate: PCT at depth 3 from seed 1, the same schedules every time.
// Depth-first order spends any budget on the worker's last rounds (the
// first schedules differ only there): 250 depth-first schedules of
// one-wallet-two-joins miss the wallet race of async-watermark without its
// wallet lock, which PCT finds.
var lagStrategy = schedule.Strategy{Name: "pct", K: 3, Seed: 1}

// MutationScenarios are the scenarios jbcheck mutate explores for v's
// mutants (and, without faults, jbcheck matrix for v): the standard
// scenarios' quick set (three joins), each explored exhaustively —
// completely, for a synchronous variant, in seconds. A lagging variant's
// background worker makes that unbounded (thousands of
// schedules, even with one preemption, and the first ones in depth-first
// order differ only in the worker's last rounds): its scenarios are
// explored by lagStrategy, the same few dozen schedules every time, which
// reach a race between two clients; its equivalences stay unproved.
func MutationScenarios(v protocol.Variant) []mutate.Scenario {
	var out []mutate.Scenario
	for _, s := range Standards(true) {
		m := mutate.Scenario{ID: s.ID, Clients: s.Clients, World: s.World, Faults: s.Faults, Strategy: schedule.Strategy{Name: "exhaustive"}}
		if protocol.Lagging(v) {
			m.Strategy, m.Max = lagStrategy, lagSchedules
			if len(s.Faults) > 0 {
				m.Max = lagFaultSchedules
			}
		}
		out = append(out, m)
	}
	// The scenarios with faults last: a crash breaks every lane's
	// connections, and an exploration on the same executors after one saw a
	// single schedule of one-wallet-two-joins, which has 28.
	slices.SortStableFunc(out, func(a, b mutate.Scenario) int { return len(a.Faults) - len(b.Faults) })
	return out
}

// MatrixScenarios are v's scenarios for jbcheck matrix: jbcheck mutate's,
// without faults (an isolation level changes neither a crash nor a lost
// reply).
func MatrixScenarios(v protocol.Variant) []mutate.Scenario {
	return slices.DeleteFunc(MutationScenarios(v), func(s mutate.Scenario) bool { return len(s.Faults) > 0 })
}

// mutantSample is the gate's fixed sample of mutants: of locking, its
// group lock dropped from join and its balance guard dropped from transfer
// and from join (only one-wallet-two-joins kills that one: the standard
// scenario mutation testing added); of serializable, join split into
// autocommit statements. Each is killed by a scenario without faults
// within seconds (locking's first two took 2.4 s, serializable's one
// 1.4 s, on two cores under load 5 and more; three of locking's,
// flaky-test-1 first, took 18 s), which keeps the section short; jbcheck
// mutate judges every mutant. (Serializable's sessions lowered to
// REPEATABLE READ would not do: that mutant is equivalent — two joins that
// race both update the group's pot, and REPEATABLE READ aborts the
// second.)
func mutantSample(m mutate.Mutation) bool {
	switch {
	case m.Variant == "locking":
		return m.Operator == mutate.DropLock && m.Op == "join" ||
			m.Operator == mutate.DropGuard && (m.Op == "transfer" || m.Op == "join") && strings.Contains(m.Change(), "balance >=")
	case m.Variant == "serializable":
		return m.Operator == mutate.SplitTransaction && m.Op == "join"
	}
	return false
}

// mutantChecks is the mutants check for a variant the sample has mutants
// of, and none for another; none with --quick (docs/guarantees.md,
// "Mutants").
func (r *runner) mutantChecks(v protocol.Variant) []check {
	if r.o.Quick || v.Info().Name != "locking" && v.Info().Name != "serializable" {
		return nil
	}
	return []check{r.mutants}
}

// mutants runs the gate's sample of v's mutants over the scenarios
// without faults: every one must be killed. One that is not is a gap in
// what the gate's scenarios catch (or a sample that went stale): it leaves
// L undecided, which fails the gate.
func (r *runner) mutants(ctx context.Context, v protocol.Variant, _ []*schedule.Executor) (report.Check, error) {
	c := report.Check{ID: "mutants", Name: "mutants: a fixed sample of SQL mutants, each killed by a scenario without faults"}
	r.begin(v, c.Name, 0, "mutants")
	// The three joins of flaky-test-1 last: the costliest scenario kills
	// none of the sample.
	scenarios := func(v protocol.Variant) []mutate.Scenario {
		s := MatrixScenarios(v)
		last := func(s mutate.Scenario) int {
			if s.ID == "flaky-test-1" {
				return 1
			}
			return 0
		}
		slices.SortStableFunc(s, func(a, b mutate.Scenario) int { return last(a) - last(b) })
		return s
	}
	rep, err := mutate.Run(ctx, mutate.Options{Server: r.o.Server, Variants: []protocol.Variant{v}, Scenarios: scenarios,
		Sample: mutantSample, Lanes: 1})
	if err != nil {
		return c, err
	}
	if len(rep.Mutants) == 0 {
		return c, fmt.Errorf("the gate's sample of mutants (mutantSample, harness/verify/mutants.go) matches no mutant of %s: the sites it names are gone", v.Info().Name)
	}
	c.Params = map[string]string{"mutants": fmt.Sprint(len(rep.Mutants))}
	c.Statuses = held()
	var lines []string
	for _, m := range rep.Mutants {
		lines = append(lines, fmt.Sprintf("%s %s", m.Verdict, m.Mutation))
		if m.Verdict != mutate.Killed {
			c.Statuses[model.Linearizable] = histories.Unknown
		}
	}
	c.Detail = fmt.Sprintf("%d killed, %d equivalent, %d survived: %s", rep.Killed, rep.Equivalent, rep.Survived, strings.Join(lines, "; "))
	return c, nil
}
