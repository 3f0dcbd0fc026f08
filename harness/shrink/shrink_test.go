package shrink_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"testing"
	"time"

	"jbcheck.dev/jbcheck/harness/pgtest"
	"jbcheck.dev/jbcheck/harness/protocol"
	_ "jbcheck.dev/jbcheck/harness/protocol/testvariants"
	"jbcheck.dev/jbcheck/harness/schedule"
	"jbcheck.dev/jbcheck/harness/shrink"
	"jbcheck.dev/jbcheck/harness/stress"
	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func executors(t testing.TB, v protocol.Variant) []*schedule.Executor {
	t.Helper()
	execs, err := schedule.NewExecutors(context.Background(), pgtest.Server(t), v, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { schedule.CloseAll(execs) })
	for _, e := range execs {
		e.Reduce = true
	}
	return execs
}

// stressHistory runs v in stress mode and reads the history back.
func stressHistory(t testing.TB, v protocol.Variant, ops int, seed int64) *histories.History {
	t.Helper()
	var buf bytes.Buffer
	_, err := stress.Run(context.Background(), stress.Config{Server: pgtest.Server(t), Variant: v, Clients: 6, Worlds: 2, Ops: ops, Seed: seed, History: &buf})
	if err != nil {
		t.Fatal(err)
	}
	h, err := histories.Read(&buf, "stress.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// failingStressHistory runs v in stress mode until a run violates a
// guarantee (real concurrency: a run may miss the race), at most 5 runs.
func failingStressHistory(t testing.TB, v protocol.Variant, ops int) *histories.History {
	t.Helper()
	for seed := int64(1); seed <= 5; seed++ {
		if h := stressHistory(t, v, ops, seed); len(histories.Check(h, histories.CheckOptions{}).Violated()) > 0 {
			return h
		}
	}
	t.Fatalf("5 stress runs of %s, %d operations each, violated nothing", v.Info().Name, ops)
	return nil
}

// TestShrinkALostUpdateFromStress: a stress run of wallet-read-modify-write
// with hundreds of operations loses an update; shrinking finds a scenario of
// at most 2 clients and 4 calls that still loses one, and its history read
// back violates the same guarantee.
func TestShrinkALostUpdateFromStress(t *testing.T) {
	v, err := protocol.Lookup("wallet-read-modify-write")
	if err != nil {
		t.Fatal(err)
	}
	h := failingStressHistory(t, v, 600)
	want := histories.Check(h, histories.CheckOptions{}).Violated()
	got, err := shrink.Shrink(context.Background(), executors(t, v), h, "stress.jsonl", shrink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	for _, c := range got.Scenario.Clients {
		calls += len(c)
	}
	t.Logf("%d events, %v violated; after %d candidates (%s): %s, world %s, in %v", len(h.Events), want, got.Tried, got.From, got.Scenario, got.Scenario.World.String(), got.Elapsed)
	if len(got.Scenario.Clients) > 2 || calls > 4 {
		t.Errorf("shrunk to %s: want at most 2 clients and 4 calls", got.Scenario)
	}
	back := fileOf(t, got.Result, "shrunk.jsonl")
	again := histories.Check(back, histories.CheckOptions{}).Violated()
	if !containsAny(again, want) {
		t.Errorf("the shrunk history violates %v, not one of %v", again, want)
	}
}

// TestShrinkAPaddedScheduleHistory: a schedule-mode counterexample padded
// with calls the bug does not need shrinks back to its two calls.
func TestShrinkAPaddedScheduleHistory(t *testing.T) {
	v, err := protocol.Lookup("join-check-then-insert")
	if err != nil {
		t.Fatal(err)
	}
	execs := executors(t, v)
	sc, err := model.ParseScenario("c0: deposit(u0,7) join(u0,g0); c1: members(g0) join(u0,g0) balance(u0)", "")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := schedule.Explore(context.Background(), execs, sc, schedule.ExploreOptions{Strategy: schedule.Strategy{Name: "preempt", K: 2}})
	if err != nil || rep.Violation == nil {
		t.Fatalf("the padded scenario did not fail: %v", err)
	}
	h := fileOf(t, rep.Violation, "padded.jsonl")
	got, err := shrink.Shrink(context.Background(), execs, h, "padded.jsonl", shrink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s := got.Scenario.String(); s != "c0: join(u0,g0); c1: join(u0,g0)" {
		t.Errorf("shrunk to %s", s)
	}
}

// TestShrinkRefusesAPassingHistory: a history that violates nothing is an
// error that says so, not an empty counterexample.
func TestShrinkRefusesAPassingHistory(t *testing.T) {
	v, err := protocol.Lookup("locking")
	if err != nil {
		t.Fatal(err)
	}
	h := stressHistory(t, v, 100, 1)
	_, err = shrink.Shrink(context.Background(), executors(t, v), h, "ok.jsonl", shrink.Options{})
	if !errors.Is(err, shrink.ErrNothingToShrink) {
		t.Fatalf("got %v, want ErrNothingToShrink", err)
	}
}

func containsAny(gs, want []model.Guarantee) bool {
	for _, g := range gs {
		for _, w := range want {
			if g == w {
				return true
			}
		}
	}
	return false
}

// TestShrinkAMidFlightViolationFromStress: a transfer made of two autocommit
// statements breaks conservation only between them. A stress run audited
// often enough sees it; shrinking, with one mid-flight audit allowed per
// schedule, ends at two clients at most.
func TestShrinkAMidFlightViolationFromStress(t *testing.T) {
	v, err := protocol.Lookup("test-split-transfer")
	if err != nil {
		t.Fatal(err)
	}
	var h *histories.History
	for seed := int64(1); seed <= 5 && h == nil; seed++ {
		var buf bytes.Buffer
		cfg := stress.Config{Server: pgtest.Server(t), Variant: v, Clients: 4, Worlds: 1, Ops: 1500, Seed: seed, History: &buf, AuditEvery: time.Millisecond}
		if _, err := stress.Run(context.Background(), cfg); err != nil {
			t.Fatal(err)
		}
		got, err := histories.Read(&buf, "stress.jsonl")
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(histories.Check(got, histories.CheckOptions{}).Violated(), model.Conservation) {
			h = got
		}
	}
	if h == nil {
		t.Fatal("5 stress runs audited every millisecond never saw the money in flight")
	}
	execs := executors(t, v)
	for _, e := range execs {
		e.Audits = 1
	}
	got, err := shrink.Shrink(context.Background(), execs, h, "stress.jsonl", shrink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("after %d candidates (%s): %s, world %s, in %v", got.Tried, got.From, got.Scenario, got.Scenario.World.String(), got.Elapsed)
	if len(got.Scenario.Clients) > 2 || !slices.Contains(got.Result.Verdict.Violated(), model.Conservation) {
		t.Errorf("shrunk to %s violating %v: want at most 2 clients and I4", got.Scenario, got.Result.Verdict.Violated())
	}
}

// fileOf reads back the history file of a schedule-mode run, as name.
func fileOf(t *testing.T, res *schedule.Result, name string) *histories.History {
	t.Helper()
	file, err := res.File()
	if err != nil {
		t.Fatal(err)
	}
	h, err := histories.Read(bytes.NewReader(file), name)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
