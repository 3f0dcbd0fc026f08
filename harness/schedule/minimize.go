package schedule

import (
	"context"
	"slices"

	"jbcheck/model"
)

// Minimize shrinks a scenario whose runs violate a guarantee: it removes
// whole clients, then single calls, then halves amounts and opening
// balances (a smaller opening lets fewer, smaller transfers overdraw it),
// keeping each change
// for which an exploration (at most two preemptions) still finds a schedule
// that violates one of the guarantees res violated. It starts from res, the
// run known to fail (its schedule may need more preemptions than the
// exploration allows), and returns the smallest scenario with its first
// violating schedule in depth-first order — the one closest to running the
// clients one after the other.
//
// It is the second half of shrinking: rapid shrinks a scenario and a
// schedule together, but a schedule's choices index the clients that can
// move, so removing a client changes what every later choice means and
// rapid stops at a local minimum. Exploring each candidate scenario instead
// of replaying one schedule removes that coupling.
func Minimize(ctx context.Context, execs []*Executor, sc Scenario, res *Result) (Scenario, *Result, error) {
	want := res.Verdict.Violated()
	fails := func(cand Scenario) (*Result, error) {
		rep, err := Explore(ctx, execs, cand, ExploreOptions{Strategy: Strategy{Name: "preempt", K: 2}, Max: 2000})
		if err != nil || rep.Violation == nil {
			return nil, err
		}
		for _, g := range rep.Violation.Verdict.Violated() {
			if slices.Contains(want, g) {
				return rep.Violation, nil
			}
		}
		return nil, nil
	}
	best := res
	for changed := true; changed; {
		changed = false
		for _, cand := range smaller(sc) {
			res, err := fails(cand)
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

// smaller lists the scenarios one step simpler than sc, biggest steps first.
func smaller(sc Scenario) []Scenario {
	var out []Scenario
	with := func(clients [][]model.Input) Scenario { return Scenario{World: sc.World, Clients: clients} }
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
			out = append(out, Scenario{World: w, Clients: sc.Clients})
		}
	}
	return out
}

func cloneClients(clients [][]model.Input) [][]model.Input {
	out := make([][]model.Input, len(clients))
	for i, calls := range clients {
		out[i] = slices.Clone(calls)
	}
	return out
}
