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

// lagSchedules bounds each scenario of a lagging variant's mutants: its
// background worker makes even one preemption's schedules run into the
// thousands.
const lagSchedules = 60

// MutationScenarios are the standard scenarios as jbcheck mutate explores
// them for v's mutants (and jbcheck matrix for v): the quick set (three
// joins), each explored exhaustively — completely, for a synchronous
// variant, in seconds. A lagging variant's background worker makes that
// unbounded: its scenarios are explored with at most one preemption, the
// first lagSchedules schedules (so its equivalences stay unproved).
func MutationScenarios(v protocol.Variant) []mutate.Scenario {
	var out []mutate.Scenario
	for _, s := range Standards(true) {
		m := mutate.Scenario{ID: s.ID, Clients: s.Clients, World: s.World, Faults: s.Faults, Strategy: schedule.Strategy{Name: "exhaustive"}}
		if protocol.Lagging(v) {
			m.Strategy, m.Max = schedule.Strategy{Name: "preempt", K: 1}, lagSchedules
		}
		out = append(out, m)
	}
	return out
}

// MatrixScenarios are v's scenarios for jbcheck matrix: jbcheck mutate's,
// without faults (an isolation level changes neither a crash nor a lost
// reply).
func MatrixScenarios(v protocol.Variant) []mutate.Scenario {
	return slices.DeleteFunc(MutationScenarios(v), func(s mutate.Scenario) bool { return len(s.Faults) > 0 })
}

// mutantSample is the gate's fixed sample of mutants: of locking, its
// group lock dropped from join, its balance guard dropped from transfer,
// and join split into autocommit statements; of serializable, its
// sessions lowered to REPEATABLE READ. Each is killed by a scenario
// without faults within a second or two, which keeps the section to a few
// seconds; jbcheck mutate judges every mutant.
func mutantSample(m mutate.Mutation) bool {
	switch {
	case m.Variant == "locking":
		return m.Operator == mutate.DropLock && m.Op == "join" ||
			m.Operator == mutate.DropGuard && m.Op == "transfer" && strings.Contains(m.Change(), "balance >=") ||
			m.Operator == mutate.SplitTransaction && m.Op == "join"
	case m.Variant == "serializable":
		return m.Operator == mutate.LowerIsolation && m.Op == "session"
	}
	return false
}

// mutantChecks is the mutants check for a variant the sample has mutants
// of, and none for another.
func (r *runner) mutantChecks(v protocol.Variant) []check {
	if v.Info().Name != "locking" && v.Info().Name != "serializable" {
		return nil
	}
	return []check{r.mutants}
}

// mutants runs the gate's sample of v's mutants over the standard
// scenarios without faults: every one must be killed. A survivor is a gap
// in what the gate's scenarios catch; it leaves L undecided, which fails
// the gate.
func (r *runner) mutants(ctx context.Context, v protocol.Variant, _ []*schedule.Executor) (report.Check, error) {
	c := report.Check{ID: "mutants", Name: "mutants: a fixed sample of SQL mutants, each killed by a standard scenario"}
	r.begin(v, c.Name, 0, "mutants")
	rep, err := mutate.Run(ctx, mutate.Options{Server: r.o.Server, Variants: []protocol.Variant{v}, Scenarios: MatrixScenarios,
		Sample: mutantSample, Lanes: r.o.Lanes})
	if err != nil {
		return c, err
	}
	c.Params = map[string]string{"mutants": fmt.Sprint(len(rep.Mutants))}
	c.Statuses = held()
	var lines []string
	for _, m := range rep.Mutants {
		lines = append(lines, fmt.Sprintf("%s %s", m.Verdict, m.Mutation))
		if m.Verdict == mutate.Survived {
			c.Statuses[model.Linearizable] = histories.Unknown
		}
	}
	c.Detail = fmt.Sprintf("%d killed, %d equivalent, %d survived: %s", rep.Killed, rep.Equivalent, rep.Survived, strings.Join(lines, "; "))
	return c, nil
}
