package hunt_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"jbcheck.dev/jbcheck/harness/coverage"
	"jbcheck.dev/jbcheck/harness/hunt"
	"jbcheck.dev/jbcheck/harness/pgtest"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/shard"
	"jbcheck.dev/jbcheck/histories"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func variant(t *testing.T, name string) protocol.Variant {
	t.Helper()
	v, err := protocol.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestHuntCatchesABugWithNoScenario: given only a bug variant, the hunt
// finds a violation, shrinks it to what hunt promises (at most two clients
// and four calls; usually a join each, but shrinking is bounded in time
// and a loaded machine may stop it a step earlier), and writes evidence
// that checks as violated when read back.
func TestHuntCatchesABugWithNoScenario(t *testing.T) {
	out := t.TempDir()
	res, err := hunt.Run(context.Background(), hunt.Options{Server: pgtest.Server(t), Variant: variant(t, "join-check-then-insert"), Budget: time.Minute, Out: out, Lanes: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Counterexample
	if !res.Violated || c == nil || !c.Shrunk {
		t.Fatalf("not caught and shrunk: %s", res.Line())
	}
	if c.Clients() > 2 || c.Calls() > 4 {
		t.Errorf("shrunk to %d clients, %d calls (%s); want at most 2 and 4", c.Clients(), c.Calls(), c.Scenario)
	}
	h, err := histories.ReadFile(c.Files.History)
	if err != nil {
		t.Fatal(err)
	}
	if v := histories.Check(h, histories.CheckOptions{}); len(v.Violated()) == 0 {
		t.Errorf("%s checks as %v", c.Files.History, v.Statuses)
	}
	if _, err := os.Stat(filepath.Join(out, "bug-report.md")); err != nil || c.BugReport == "" {
		t.Errorf("no bug report: %v", err)
	}
}

// TestHuntOfACorrectVariantSaysWhatItSearched: a correct variant holds;
// the result counts what ran, in both stages, and the coverage table saw
// every run and reached the windows two clients on one row reach. The
// limits, not the budget, end the work: a budget that ran out on a slow
// machine would skip draws and change the counts.
func TestHuntOfACorrectVariantSaysWhatItSearched(t *testing.T) {
	res, err := hunt.Run(context.Background(), hunt.Options{Server: pgtest.Server(t), Variant: variant(t, "locking"),
		Budget: time.Minute, MaxRounds: 1, Draws: 40, MaxStressRuns: 1, StressRun: time.Second, Lanes: 1})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Searched
	if res.Violated || s.Rounds != 1 || s.Schedules != 40 || s.Scenarios == 0 || s.StressRuns != 1 || s.StressOps == 0 {
		t.Fatalf("%s: %+v", res.Line(), s)
	}
	if res.Coverage.Runs != s.Schedules+s.StressRuns {
		t.Errorf("coverage of %d runs, %d ran", res.Coverage.Runs, s.Schedules+s.StressRuns)
	}
	for _, w := range []coverage.Window{coverage.SameRows, coverage.MidCall} {
		if res.Coverage.Reached[w] == 0 {
			t.Errorf("%s never reached:\n%s", w, res.Coverage)
		}
	}
	if res.Coverage.Reachable[coverage.WorkerRound] {
		t.Errorf("worker-round reachable for a variant without a worker:\n%s", res.Coverage)
	}
}

// TestHuntShardsSplitTheRounds: of four rounds and two stress runs, shard
// 2/2 runs rounds 1 and 3 and stress run 1 — half of each — and a hunt
// with the same seed and shard draws the same scenarios again.
func TestHuntShardsSplitTheRounds(t *testing.T) {
	run := func() hunt.Result {
		res, err := hunt.Run(context.Background(), hunt.Options{Server: pgtest.Server(t), Variant: variant(t, "locking"), Budget: time.Minute,
			Shard: shard.Shard{I: 2, N: 2}, Seed: 5, MaxRounds: 4, Draws: 10, MaxStressRuns: 2, StressRun: time.Second, Lanes: 1})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b := run(), run()
	if s := a.Searched; a.Violated || s.Rounds != 2 || s.Schedules != 20 || s.StressRuns != 1 {
		t.Fatalf("shard 2/2: %+v", s)
	}
	if a.Searched.Scenarios != b.Searched.Scenarios {
		t.Errorf("the same shard drew %d, then %d distinct scenarios", a.Searched.Scenarios, b.Searched.Scenarios)
	}
}
