package property

import (
	"context"
	"fmt"
	"strings"

	"pgregory.net/rapid"

	"jbcheck/harness/schedule"
	"jbcheck/harness/workload"
	"jbcheck/model"
)

// Scenarios draws small schedule-mode scenarios: one world with one or two
// users and one group, one to three clients, one or two calls each. Races
// need clients to meet on the same rows, so most of the time every call is
// the same operation (or a join or a leave). Shrinking goes toward fewer clients and calls, one user,
// rich users (no deposit needed to afford a fee), the first operation (join)
// and smaller amounts.
func Scenarios() *rapid.Generator[schedule.Scenario] {
	return rapid.Custom(func(t *rapid.T) schedule.Scenario {
		w := model.World{Groups: []model.Group{{Name: "g0", Capacity: rapid.IntRange(1, 2).Draw(t, "capacity"), Fee: 10}}}
		for i := range rapid.IntRange(1, 2).Draw(t, "users") {
			w.Users = append(w.Users, model.User{Name: fmt.Sprintf("u%d", i), Opening: rapid.SampledFrom([]int64{100, 60, 20, 0}).Draw(t, "opening")})
		}
		// Theme 0: any calls; 1–6: one operation only; 7: joins and leaves
		// only (a member leaving twice at once needs a join first).
		calls := workload.Inputs(w)
		switch theme := rapid.IntRange(0, len(model.Ops)+1).Draw(t, "theme"); {
		case theme == len(model.Ops)+1:
			calls = rapid.OneOf(workload.InputsOf(w, model.OpJoin), workload.InputsOf(w, model.OpLeave))
		case theme > 0:
			calls = workload.InputsOf(w, model.Ops[theme-1])
		}
		clients := rapid.SliceOfN(rapid.SliceOfN(calls, 1, 2), 1, 3).Draw(t, "clients")
		return schedule.Scenario{World: w, Clients: clients}
	})
}

// Schedules draws schedules: choices shrink toward 0 (keep the current
// client running) and the list toward empty, so a failure shrinks toward
// sequential order.
func Schedules() *rapid.Generator[[]int] {
	return rapid.SliceOfN(rapid.IntRange(0, 3), 0, 40)
}

// Counterexample is a failing schedule-mode run: the scenario, the run (its
// choices, history, transcript and verdict).
type Counterexample struct {
	Scenario schedule.Scenario
	Result   *schedule.Result
}

// Guarantees is the schedule-mode property of a variant: in every scenario
// and schedule rapid draws, every guarantee holds (L and I1–I6 on the final
// audit). On a failure, failing receives the counterexample; rapid replays
// the minimal one last.
func Guarantees(ctx context.Context, e *schedule.Executor, failing func(Counterexample)) func(*rapid.T) {
	return func(t *rapid.T) {
		sc := Scenarios().Draw(t, "scenario")
		choices := schedule.Replay(Schedules().Draw(t, "schedule"))
		res, err := e.Run(ctx, sc, &choices)
		if err != nil {
			t.Fatalf("%s: %v", sc, err)
		}
		if violated := res.Verdict.Violated(); len(violated) > 0 {
			if failing != nil {
				failing(Counterexample{Scenario: sc, Result: res})
			}
			t.Fatalf("%s, schedule %v: %v violated\n%s", sc, res.Choices, violated, strings.Join(res.Transcript, "\n"))
		}
		if !res.Verdict.Passed() {
			t.Fatalf("%s, schedule %v: undecided %v", sc, res.Choices, res.Verdict.Findings)
		}
	}
}
