package verify

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"jbcheck.dev/jbcheck/harness/mutate"
	"jbcheck.dev/jbcheck/harness/pgtest"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/schedule"
	"jbcheck.dev/jbcheck/histories"
)

// TestTheGateCatchesWhatItsSearchFixesWereAddedFor: the mutants that made
// mutation testing add one-wallet-two-joins and leave-cut-off — regressions
// of correct variants every other standard scenario misses — fail the
// gate's exploration of those scenarios, with the gate's own strategy and
// budget. For async-watermark, a lagging variant, that takes the gate's
// lagStrategy: 250 depth-first schedules of one-wallet-two-joins, the
// budget it had before, miss its wallet race.
func TestTheGateCatchesWhatItsSearchFixesWereAddedFor(t *testing.T) {
	ctx := context.Background()
	standard := func(id string) Standard {
		for _, s := range Standards(false) {
			if s.ID == id {
				return s
			}
		}
		t.Fatalf("no standard scenario %s", id)
		return Standard{}
	}
	for _, tc := range []struct {
		base, scenario string
		mutant         func(mutate.Mutation) bool
	}{
		{"locking", "one-wallet-two-joins", func(m mutate.Mutation) bool {
			return m.Operator == mutate.DropGuard && m.Op == "join" && strings.Contains(m.Change(), "balance >=")
		}},
		{"async-watermark", "one-wallet-two-joins", func(m mutate.Mutation) bool {
			return m.Operator == mutate.DropLock && m.Op == "join" && strings.Contains(m.Site, "FROM accounts")
		}},
		{"async-watermark", "leave-cut-off", func(m mutate.Mutation) bool {
			return m.Operator == mutate.SplitTransaction && m.Op == "leave"
		}},
	} {
		base, err := protocol.Lookup(tc.base)
		if err != nil {
			t.Fatal(err)
		}
		mutations, err := mutate.Enumerate(ctx, pgtest.Server(t), base)
		if err != nil {
			t.Fatal(err)
		}
		var found []mutate.Mutation
		for _, m := range mutations {
			if tc.mutant(m) {
				found = append(found, m)
			}
		}
		if len(found) != 1 {
			t.Fatalf("%s: %d mutants match, want 1: the site moved?", tc.base, len(found))
		}
		v := mutate.Mutant(base, found[0])
		execs, err := schedule.NewExecutors(ctx, pgtest.Server(t), v, 2)
		if err != nil {
			t.Fatal(err)
		}
		r := &runner{o: Options{Server: pgtest.Server(t), Seed: 1, Out: t.TempDir()}, b: budgetFor(false)}
		c, err := r.explore(standard(tc.scenario))(ctx, v, execs)
		schedule.CloseAll(execs)
		if err != nil {
			t.Fatalf("%s over %s: %v", found[0].Name(), tc.scenario, err)
		}
		if !slices.Contains(slices.Collect(maps.Values(c.Statuses)), histories.Violated) {
			t.Errorf("%s (%s) was not caught over %s with the gate's budget: %s", found[0].Name(), found[0], tc.scenario, c.Detail)
		}
	}
}
