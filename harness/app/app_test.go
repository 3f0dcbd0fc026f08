package app_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"jbcheck.dev/jbcheck/harness/app"
	"jbcheck.dev/jbcheck/harness/interleave"
	"jbcheck.dev/jbcheck/harness/pgtest"
	"jbcheck.dev/jbcheck/harness/schedule"
	"jbcheck.dev/jbcheck/model"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// example is the path of a file of examples/node-service.
func example(name string) string { return filepath.Join("..", "..", "examples", "node-service", name) }

// needNode fails the test when node or the example's dependencies are
// missing: `make node-service` installs them.
func needNode(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is not installed: run `make node-service` (it installs Node.js and the example's dependencies)")
	}
	if _, err := os.Stat(example("node_modules/pg")); err != nil {
		t.Fatal("the example's dependencies are not installed: run `make node-service`")
	}
}

// open starts the example service of config under jbcheck.
func open(t *testing.T, config string) *app.App {
	t.Helper()
	needNode(t)
	cfg, err := app.Load(example(config))
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(context.Background(), pgtest.Server(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

func scenario(t *testing.T, spec string) model.Scenario {
	t.Helper()
	sc, err := model.ParseScenario(spec, "")
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// explore explores spec on a's service as the CLI does (depth-first,
// reductions on) and returns what it found.
func explore(t *testing.T, a *app.App, spec string, strategy schedule.Strategy) *schedule.Report {
	t.Helper()
	a.Executor().Reduce = true
	rep, err := schedule.Explore(context.Background(), []*schedule.Executor{a.Executor()}, scenario(t, spec), schedule.ExploreOptions{Strategy: strategy})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestFlakyDuplicateJoinIsFoundAndReplays: two joins by one user on the
// flaky service — the original first test — violate the guarantees a
// duplicate membership breaks, every time it is explored; the violating
// schedule replays with the same outcome.
func TestFlakyDuplicateJoinIsFoundAndReplays(t *testing.T) {
	a := open(t, "flaky.json")
	const spec = "c0: join(u0,g0); c1: join(u0,g0)"
	sc := scenario(t, spec)
	var first *schedule.Result
	for range 3 {
		rep := explore(t, a, spec, schedule.Strategy{Name: "exhaustive"})
		if rep.Violation == nil {
			t.Fatalf("no violation in %d schedules", rep.Explored)
		}
		if !slices.Contains(rep.Violation.Verdict.Violated(), model.UniqueMembership) {
			t.Fatalf("violated %v, not I1 (unique membership)\n%s", rep.Violation.Verdict.Violated(), rep.Violation.Outcome)
		}
		if first == nil {
			first = rep.Violation
		} else if rep.Violation.Outcome != first.Outcome || !slices.Equal(rep.Violation.Choices, first.Choices) {
			t.Fatalf("explorations differ:\n%v %s\n%v %s", first.Choices, first.Outcome, rep.Violation.Choices, rep.Violation.Outcome)
		}
	}
	for range 5 {
		ch := interleave.Replay(first.Choices)
		res, err := a.Executor().Run(context.Background(), sc, &ch)
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != first.Outcome {
			t.Fatalf("the replay differs:\nrecorded %s\nnow      %s", first.Outcome, res.Outcome)
		}
	}
	t.Logf("schedule %v:\n%s", first.Choices, first.Outcome)
}

// TestFixedFiveJoinsHold: the original first test's five joins by one
// user hold on the fixed service in every schedule with at most one
// preemption (the CLI's Done-when runs preempt=2).
func TestFixedFiveJoinsHold(t *testing.T) {
	a := open(t, "fixed.json")
	rep := explore(t, a, "c0: join(u0,g0); c1: join(u0,g0); c2: join(u0,g0); c3: join(u0,g0); c4: join(u0,g0)", schedule.Strategy{Name: "preempt", K: 1})
	if rep.Violation != nil {
		t.Fatalf("violated %v in schedule %v:\n%s", rep.Violation.Verdict.Violated(), rep.Violation.Choices, rep.Violation.Outcome)
	}
	if !rep.Complete || rep.Explored < 2 {
		t.Fatalf("explored %d schedules, complete %v", rep.Explored, rep.Complete)
	}
}

// TestStaleBalance: the original second test — a deposit, then a balance
// read — reads a stale balance on the flaky service, its recompute
// scheduled as a participant, and never on the fixed one.
func TestStaleBalance(t *testing.T) {
	const spec = "c0: deposit(u0,5) balance(u0)"
	rep := explore(t, open(t, "flaky.json"), spec, schedule.Strategy{Name: "exhaustive"})
	if rep.Violation == nil || !slices.Contains(rep.Violation.Verdict.Violated(), model.Linearizable) {
		t.Fatalf("the flaky service's stale balance was not found in %d schedules", rep.Explored)
	}
	if !strings.Contains(rep.Violation.Outcome, "balance(u0) → 100") {
		t.Errorf("the violation is not the stale read:\n%s", rep.Violation.Outcome)
	}
	rep = explore(t, open(t, "fixed.json"), spec, schedule.Strategy{Name: "exhaustive"})
	if rep.Violation != nil {
		t.Fatalf("the fixed service violated %v:\n%s", rep.Violation.Verdict.Violated(), rep.Violation.Outcome)
	}
	if !rep.Complete {
		t.Fatal("the exploration was not complete")
	}
}

// TestStuckServiceIsAnError: a service whose pool has fewer connections
// than the participants cannot run a call while another holds the only
// connection in a transaction; the schedule that needs it ends with an
// error that says so, after service.silence_seconds — never a verdict.
func TestStuckServiceIsAnError(t *testing.T) {
	needNode(t)
	cfg, err := app.Load(example("fixed.json"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Service.Env["POOL_MAX"] = "1"
	cfg.Service.SilenceSeconds = 2
	a, err := app.Open(context.Background(), pgtest.Server(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	_, err = schedule.Explore(context.Background(), []*schedule.Executor{a.Executor()}, scenario(t, "c0: join(u0,g0); c1: join(u0,g0)"),
		schedule.ExploreOptions{Strategy: schedule.Strategy{Name: "exhaustive"}})
	if err == nil || !strings.Contains(err.Error(), "connection pool smaller than the participants") {
		t.Fatalf("want the stuck service reported, got %v", err)
	}
}
