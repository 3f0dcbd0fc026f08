package schedule

import (
	"context"
	"slices"

	"jbcheck.dev/jbcheck/model"
)

// Minimize shrinks a scenario whose runs violate a guarantee: it drops the
// users and groups no call names, removes whole clients, then single calls,
// then halves amounts and opening balances (a smaller opening lets fewer,
// smaller transfers overdraw it), keeping each change for which an
// exploration (at most two preemptions, minimizeBudget schedules) still
// finds a schedule that violates every guarantee of want that res violates
// (want: those of the original failure, which res may show only some of).
// It starts from res, the run known to fail (its schedule may need more
// preemptions than the exploration allows), and returns the smallest scenario with its first
// violating schedule in depth-first order — the one closest to running the
// clients one after the other.
//
// It is the second half of shrinking: rapid shrinks a scenario and a
// schedule together, but a schedule's choices index the clients that can
// move, so removing a client changes what every later choice means and
// rapid stops at a local minimum. Exploring each candidate scenario instead
// of replaying one schedule removes that coupling.
func Minimize(ctx context.Context, execs []*Executor, sc model.Scenario, res *Result, want []model.Guarantee) (model.Scenario, *Result, error) {
	// Every guarantee of want that res violates must stay violated: the
	// duplicate join must not shrink into a mere wrong answer.
	keep := slices.DeleteFunc(res.Verdict.Violated(), func(g model.Guarantee) bool { return !slices.Contains(want, g) })
	same := func(violated []model.Guarantee) bool {
		return !slices.ContainsFunc(keep, func(g model.Guarantee) bool { return !slices.Contains(violated, g) })
	}
	best := res
	for changed := true; changed; {
		changed = false
		for _, cand := range smaller(sc) {
			res, err := Violates(ctx, execs, cand, same, 2, minimizeBudget)
			if err != nil {
				return sc, best, err
			}
			if res != nil {
				sc, best, changed = cand, res, true
				break
			}
		}
	}
	return sc, best, nil
}

// minimizeBudget bounds the exploration of each smaller scenario: the
// known bugs show within the first few schedules of a small scenario
// (depth-first runs the clients one after the other first, then with one
// preemption), while a scenario that holds is explored up to the budget —
// with the background worker scheduled, 300 schedules cost 10 s. A smaller
// scenario that would fail only past the budget is kept out: the result is
// less minimal, never wrong.
const minimizeBudget = 100

// Violates explores sc (at most preemptions preemptions, at most budget
// schedules) and returns the first run whose violated guarantees wanted
// accepts, or nil if there is none.
func Violates(ctx context.Context, execs []*Executor, sc model.Scenario, wanted func([]model.Guarantee) bool, preemptions, budget int) (*Result, error) {
	rep, err := Explore(ctx, execs, sc, ExploreOptions{Strategy: Strategy{Name: "preempt", K: preemptions}, Max: budget, Wanted: wanted})
	return rep.Violation, err
}

// OneOf accepts violations that include a guarantee of want.
func OneOf(want []model.Guarantee) func([]model.Guarantee) bool {
	return func(violated []model.Guarantee) bool {
		return slices.ContainsFunc(violated, func(g model.Guarantee) bool { return slices.Contains(want, g) })
	}
}

// smaller lists the scenarios one step simpler than sc, biggest steps first.
func smaller(sc model.Scenario) []model.Scenario {
	var out []model.Scenario
	if w, ok := named(sc); ok {
		out = append(out, model.Scenario{World: w, Clients: sc.Clients})
	}
	with := func(clients [][]model.Input) model.Scenario { return model.Scenario{World: sc.World, Clients: clients} }
	if len(sc.Clients) > 1 {
		for i := range sc.Clients {
			out = append(out, with(slices.Delete(cloneClients(sc.Clients), i, i+1)))
		}
	}
	for i, calls := range sc.Clients {
		if len(calls) < 2 {
			continue
		}
		for j := range calls {
			c := cloneClients(sc.Clients)
			c[i] = slices.Delete(c[i], j, j+1)
			out = append(out, with(c))
		}
	}
	for i, calls := range sc.Clients {
		for j, in := range calls {
			if in.Amount > 1 {
				c := cloneClients(sc.Clients)
				c[i][j].Amount = in.Amount / 2
				out = append(out, with(c))
			}
		}
	}
	for i, u := range sc.World.Users {
		if u.Opening > 1 {
			w := sc.World
			w.Users = slices.Clone(w.Users)
			w.Users[i].Opening = u.Opening / 2
			out = append(out, model.Scenario{World: w, Clients: sc.Clients})
		}
	}
	return out
}

// named is sc's world without the users and groups no call names, and
// whether that removed any.
func named(sc model.Scenario) (model.World, bool) {
	names := map[string]bool{}
	for _, calls := range sc.Clients {
		for _, in := range calls {
			names[in.User], names[in.To], names[in.Group] = true, true, true
		}
	}
	w := model.World{
		Users:  slices.DeleteFunc(slices.Clone(sc.World.Users), func(u model.User) bool { return !names[u.Name] }),
		Groups: slices.DeleteFunc(slices.Clone(sc.World.Groups), func(g model.Group) bool { return !names[g.Name] }),
	}
	return w, len(w.Users) < len(sc.World.Users) || len(w.Groups) < len(sc.World.Groups)
}

func cloneClients(clients [][]model.Input) [][]model.Input {
	out := make([][]model.Input, len(clients))
	for i, calls := range clients {
		out[i] = slices.Clone(calls)
	}
	return out
}
