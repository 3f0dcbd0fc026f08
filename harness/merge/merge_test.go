package merge_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jbcheck.dev/jbcheck/harness/merge"
	"jbcheck.dev/jbcheck/harness/pgtest"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/report"
	"jbcheck.dev/jbcheck/harness/schedule"
	"jbcheck.dev/jbcheck/harness/shard"
	"jbcheck.dev/jbcheck/harness/verify"
	"jbcheck.dev/jbcheck/model"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// fiveJoins is the first flaky test, as the gate's explore/flaky-test-1.
const fiveJoins = "c0: join(u0,g0); c1: join(u0,g0); c2: join(u0,g0); c3: join(u0,g0); c4: join(u0,g0)"

// exploreInto explores five joins on locking with two preemptions (a
// hundred-odd schedules), on two lanes, as shard sh, writes the report
// into a directory of its own and returns it with the choices of every
// schedule it ran.
func exploreInto(t *testing.T, execs []*schedule.Executor, sh shard.Shard) (string, report.Exploration, map[string]int) {
	t.Helper()
	sc, err := model.ParseScenario(fiveJoins, "")
	if err != nil {
		t.Fatal(err)
	}
	ran := map[string]int{}
	strategy := schedule.Strategy{Name: "preempt", K: 2}
	rep, err := schedule.Explore(context.Background(), execs, sc, schedule.ExploreOptions{Strategy: strategy, Shard: sh,
		Visit: func(res *schedule.Result) { ran[fmt.Sprint(res.Choices)]++ }})
	if err != nil {
		t.Fatal(err)
	}
	x := rep.Summary("locking", sc, map[string]string{"strategy": strategy.String(), "reductions": "on"}, sh, "test")
	dir := filepath.Join(t.TempDir(), "shard")
	if err := report.WriteExploration(dir, x); err != nil {
		t.Fatal(err)
	}
	return dir, x, ran
}

// TestShardedExploreMergesIntoTheUnshardedRun: five concurrent joins
// explored as shards 1/3, 2/3 and 3/3 and merged give the unsharded run's
// schedule count, outcomes (each with its count) and verdict, and no
// schedule is run by two shards.
func TestShardedExploreMergesIntoTheUnshardedRun(t *testing.T) {
	v, err := protocol.Lookup("locking")
	if err != nil {
		t.Fatal(err)
	}
	execs, err := schedule.NewExecutors(context.Background(), pgtest.Server(t), v, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer schedule.CloseAll(execs)
	for _, e := range execs {
		e.Reduce = true
	}
	_, whole, wholeRan := exploreInto(t, execs, shard.All)
	var dirs []string
	union := map[string]int{}
	for i := 1; i <= 3; i++ {
		dir, x, ran := exploreInto(t, execs, shard.Shard{I: i, N: 3})
		dirs = append(dirs, dir)
		for s, c := range ran {
			union[s] += c
		}
		t.Logf("shard %s: %d schedules", x.Shard, x.Schedules)
	}
	for s, c := range union {
		if c != 1 || wholeRan[s] != 1 {
			t.Errorf("schedule %s: run %d times by the shards, %d by the unsharded run", s, c, wholeRan[s])
		}
	}
	if len(union) != len(wholeRan) {
		t.Errorf("the shards ran %d distinct schedules, the unsharded run %d", len(union), len(wholeRan))
	}
	out := t.TempDir()
	m, err := merge.Merge(dirs, out)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Write(out); err != nil {
		t.Fatal(err)
	}
	got, _, err := report.ReadSummary(out)
	if err != nil {
		t.Fatal(err)
	}
	if got.Schedules != whole.Schedules || got.Statements != whole.Statements || got.Complete != whole.Complete || got.Passed != whole.Passed {
		t.Errorf("merged: %d schedules, %d statements, complete %v, passed %v; unsharded: %d, %d, %v, %v",
			got.Schedules, got.Statements, got.Complete, got.Passed, whole.Schedules, whole.Statements, whole.Complete, whole.Passed)
	}
	if fmt.Sprint(got.Outcomes) != fmt.Sprint(whole.Outcomes) {
		t.Errorf("merged outcomes %v\nunsharded %v", got.Outcomes, whole.Outcomes)
	}
	if !got.Passed || !got.Complete || got.Schedules < 100 {
		t.Errorf("five joins on locking, two preemptions: %d schedules, passed %v, complete %v (want a hundred-odd, every one held)", got.Schedules, got.Passed, got.Complete)
	}
	t.Logf("%d schedules, %d outcomes: %s", got.Schedules, len(got.Outcomes), got.Verdict)

	// Not the shards of one run: each refused, naming what is wrong.
	for name, dirs := range map[string][]string{
		"a shard missing":  dirs[:2],
		"a shard twice":    {dirs[0], dirs[1], dirs[1]},
		"two kinds of run": {dirs[0], dirs[1], verifyReport(t)},
	} {
		if _, err := merge.Merge(dirs, out); !errors.Is(err, merge.ErrMismatch) {
			t.Errorf("%s: %v, want ErrMismatch", name, err)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

// verifyReport is a gate's report directory (no check run).
func verifyReport(t *testing.T) string {
	dir := t.TempDir()
	if err := report.WriteGate(dir, report.Gate{Schema: report.GateSchema, Shard: "3/3"}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// gateInto runs the gate, --quick, on the variants named, as shard sh.
func gateInto(t *testing.T, variants []string, sh shard.Shard) (string, report.Gate) {
	t.Helper()
	var vs []protocol.Variant
	for _, name := range variants {
		v, err := protocol.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	dir := filepath.Join(t.TempDir(), "gate")
	g, err := verify.Run(context.Background(), verify.Options{Server: pgtest.Server(t), Variants: vs, Quick: true, Seed: 11, Lanes: 2,
		Out: dir, Shard: sh, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return dir, g
}

// TestShardedVerifyMergesIntoTheUnshardedRun: the gate on two bug
// variants (a few checks each; a correct variant's take too long for the
// suite) run as shards 1/3, 2/3 and 3/3 runs every check once, and the
// merged report has the unsharded run's checks, each with its result, and
// its verdict.
func TestShardedVerifyMergesIntoTheUnshardedRun(t *testing.T) {
	variants := []string{"join-check-then-insert", "wallet-read-modify-write"}
	_, whole := gateInto(t, variants, shard.All)
	var dirs []string
	for i := 1; i <= 3; i++ {
		dir, g := gateInto(t, variants, shard.Shard{I: i, N: 3})
		dirs = append(dirs, dir)
		t.Logf("shard %s: %d checks, %.1fs", g.Shard, len(g.Checks), g.Seconds)
		if len(g.Checks) == whole.Total {
			t.Errorf("shard %s ran %d of %d checks", g.Shard, len(g.Checks), whole.Total)
		}
	}
	out := t.TempDir()
	m, err := merge.Merge(dirs, out)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Err(); err != nil {
		t.Fatal(err)
	}
	if err := m.Write(out); err != nil {
		t.Fatal(err)
	}
	_, got, err := report.ReadSummary(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Checks) != len(whole.Checks) {
		t.Fatalf("merged: %d checks, unsharded %d", len(got.Checks), len(whole.Checks))
	}
	for i, c := range got.Checks {
		w := whole.Checks[i]
		if c.Index != w.Index || c.Variant != w.Variant || c.ID != w.ID || c.Passed != w.Passed {
			t.Errorf("check %d: merged %s/%s passed %v, unsharded %s/%s passed %v", i, c.Variant, c.ID, c.Passed, w.Variant, w.ID, w.Passed)
		}
	}
	if got.Passed != whole.Passed || got.Verdict != whole.Verdict {
		t.Errorf("merged verdict %v %q, unsharded %v %q", got.Passed, got.Verdict, whole.Passed, whole.Verdict)
	}
	for _, c := range whole.Checks {
		t.Logf("%s/%s: %.1fs", c.Variant, c.ID, c.Seconds)
	}
	t.Logf("%d checks: %s", len(got.Checks), got.Verdict)
}

// TestMergeRefusesGatesOfDifferentRuns: gate reports written by hand —
// two shards of a run of four checks — merge when they are the shards of
// one run, and are refused or marked incomplete, with the reason named,
// when they are not.
func TestMergeRefusesGatesOfDifferentRuns(t *testing.T) {
	check := func(k int) report.Check {
		return report.Check{Variant: "locking", Correct: true, ID: fmt.Sprintf("c%d", k), Index: k, Passed: true}
	}
	gate := func(shardText string, seed uint64, indexes ...int) report.Gate {
		g := report.Gate{Schema: report.GateSchema, Seed: seed, Version: "v", RunVariants: []string{"locking"}, Total: 4, Shard: shardText}
		for _, k := range indexes {
			g.Checks = append(g.Checks, check(k))
		}
		return g
	}
	write := func(g report.Gate) string {
		dir := t.TempDir()
		if err := report.WriteGate(dir, g); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	out := t.TempDir()
	m, err := merge.Merge([]string{write(gate("2/2", 5, 1, 3)), write(gate("1/2", 5, 0, 2))}, out)
	if err != nil || m.Err() != nil || !m.Passed() || len(m.Gate.Checks) != 4 {
		t.Fatalf("two shards of one run: %v, %v, %+v", err, m.Err(), m.Gate)
	}
	for i, c := range m.Gate.Checks {
		if c.Index != i {
			t.Errorf("merged check %d has index %d: not in the run's order", i, c.Index)
		}
	}
	for name, tc := range map[string]struct {
		dirs []string
		want string
	}{
		"another seed":       {[]string{write(gate("1/2", 5, 0, 2)), write(gate("2/2", 6, 1, 3))}, "the seed differs"},
		"a check not owned":  {[]string{write(gate("1/2", 5, 0, 1)), write(gate("2/2", 5, 3))}, "does not own"},
		"an unsharded and 2": {[]string{write(gate("", 5, 0, 1, 2, 3)), write(gate("2/2", 5, 1, 3))}, "share n"},
	} {
		_, err := merge.Merge(tc.dirs, out)
		if !errors.Is(err, merge.ErrMismatch) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrMismatch naming %q", name, err, tc.want)
		}
	}
	m, err = merge.Merge([]string{write(gate("1/2", 5, 0)), write(gate("2/2", 5, 1, 3))}, out)
	if err != nil || !errors.Is(m.Err(), merge.ErrIncomplete) || m.Passed() || !strings.Contains(m.Verdict(), "ran 1 of its 2 checks") {
		t.Errorf("a shard cut short: %v, %v, passed %v, %q", err, m.Err(), m.Passed(), m.Verdict())
	}
}
