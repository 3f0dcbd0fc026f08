package schedule

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"jbcheck/harness/pgtest"
	"jbcheck/harness/protocol"
	"jbcheck/model"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func executor(t testing.TB, variant string, reduce bool) *Executor {
	t.Helper()
	v, err := protocol.Lookup(variant)
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewExecutor(context.Background(), pgtest.Server(t), v)
	if err != nil {
		t.Fatal(err)
	}
	e.Reduce = reduce
	t.Cleanup(e.Close)
	return e
}

func mustParse(t testing.TB, spec, world string) Scenario {
	t.Helper()
	sc, err := Parse(spec, world)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func TestDuplicateJoinIsFoundAndLockingHolds(t *testing.T) {
	sc := mustParse(t, "c0: join(u0,g0); c1: join(u0,g0)", "")
	bug, err := Explore(context.Background(), executor(t, "join-check-then-insert", true), sc, ExploreOptions{Strategy: Strategy{Name: "exhaustive"}})
	if err != nil {
		t.Fatal(err)
	}
	if bug.Violation == nil || !slices.Contains(bug.Violation.Verdict.Violated(), model.UniqueMembership) {
		t.Fatalf("check-then-insert: no duplicate join found in %d schedules", bug.Explored)
	}
	t.Logf("check-then-insert: violation after %d schedules:\n%s", bug.Explored, strings.Join(bug.Violation.Transcript, "\n"))
	ok, err := Explore(context.Background(), executor(t, "locking", true), sc, ExploreOptions{Strategy: Strategy{Name: "exhaustive"}})
	if err != nil {
		t.Fatal(err)
	}
	if ok.Violation != nil || !ok.Complete || ok.Explored < 2 {
		t.Fatalf("locking: violation %v, complete %v, %d schedules", ok.Violation != nil, ok.Complete, ok.Explored)
	}
	t.Logf("locking: %d schedules, %d outcomes, %.0f schedules/s", ok.Explored, len(ok.Outcomes), ok.SchedulesPerSecond())
}
