package property_test

import (
	"testing"

	"pgregory.net/rapid"

	"jbcheck.dev/jbcheck/harness/property"
	"jbcheck.dev/jbcheck/model"
)

// edges are the edges every world and call parameter must reach, each as a
// test of a drawn scenario.
var edges = map[string]func(model.Scenario) bool{
	"fee 0":        func(sc model.Scenario) bool { return anyGroup(sc, func(g model.Group) bool { return g.Fee == 0 }) },
	"capacity 0":   func(sc model.Scenario) bool { return anyGroup(sc, func(g model.Group) bool { return g.Capacity == 0 }) },
	"capacity 1":   func(sc model.Scenario) bool { return anyGroup(sc, func(g model.Group) bool { return g.Capacity == 1 }) },
	"opening 0":    func(sc model.Scenario) bool { return anyUser(sc, func(u model.User) bool { return u.Opening == 0 }) },
	"one group":    func(sc model.Scenario) bool { return len(sc.World.Groups) == 1 },
	"many groups":  func(sc model.Scenario) bool { return len(sc.World.Groups) >= 3 },
	"one user":     func(sc model.Scenario) bool { return len(sc.World.Users) == 1 && len(sc.Clients) > 1 },
	"whole wallet": func(sc model.Scenario) bool { return anyCall(sc, exactBalance) },
}

func anyGroup(sc model.Scenario, f func(model.Group) bool) bool {
	for _, g := range sc.World.Groups {
		if f(g) {
			return true
		}
	}
	return false
}

func anyUser(sc model.Scenario, f func(model.User) bool) bool {
	for _, u := range sc.World.Users {
		if f(u) {
			return true
		}
	}
	return false
}

func anyCall(sc model.Scenario, f func(model.World, model.Input) bool) bool {
	for _, calls := range sc.Clients {
		for _, in := range calls {
			if f(sc.World, in) {
				return true
			}
		}
	}
	return false
}

// exactBalance: a deposit or transfer of exactly the user's opening balance.
func exactBalance(w model.World, in model.Input) bool {
	return (in.Op == model.OpDeposit || in.Op == model.OpTransfer) && in.Amount == w.Opening(in.User) && in.Amount > 0
}

// TestScenariosReachEveryEdge: over 2,000 drawn scenarios, every edge of
// edges comes up at least once in 25 draws (the documented odds are 1 in
// workload.EdgeOdds per edge and parameter; some edges, such as a whole
// wallet, also need the right call drawn), and every scenario is well formed.
func TestScenariosReachEveryEdge(t *testing.T) {
	const draws = 2000
	seen := map[string]int{}
	gen := property.Scenarios()
	for i := range draws {
		sc := gen.Example(i)
		if err := sc.World.Validate(); err != nil {
			t.Fatalf("%s: %v", sc.World.String(), err)
		}
		for name, is := range edges {
			if is(sc) {
				seen[name]++
			}
		}
	}
	for name := range edges {
		if seen[name] < draws/25 {
			t.Errorf("%s drawn %d times in %d scenarios, want at least %d", name, seen[name], draws, draws/25)
		}
	}
	t.Logf("edges per %d scenarios: %v", draws, seen)
}

// TestScenariosShrinkTowardEdges: a failure that any scenario shows shrinks
// to the edges: one group of capacity 1 and fee 0, one user with an
// opening balance of 0, one client.
func TestScenariosShrinkTowardEdges(t *testing.T) {
	var last model.Scenario
	got := property.Falsify(t.Name(), property.Options{Seed: 3, Checks: 50}, func(t *rapid.T) {
		last = property.Scenarios().Draw(t, "scenario")
		t.Fatal("every scenario fails")
	})
	w := last.World
	if !got.Failed || len(w.Groups) != 1 || w.Groups[0].Capacity != 1 || w.Groups[0].Fee != 0 || len(w.Users) != 1 || w.Users[0].Opening != 0 || len(last.Clients) != 1 {
		t.Errorf("shrunk to %s in %s", last, w.String())
	}
}
