package schedule

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"jbcheck.dev/jbcheck/harness/interleave"
	"jbcheck.dev/jbcheck/harness/pgtest"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func executor(t testing.TB, variant string, reduce bool) *Executor {
	t.Helper()
	v, err := protocol.Lookup(variant)
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewExecutor(context.Background(), pgtest.Server(t), v, 0)
	if err != nil {
		t.Fatal(err)
	}
	e.Reduce = reduce
	t.Cleanup(e.Close)
	return e
}

func mustParse(t testing.TB, spec, world string) model.Scenario {
	t.Helper()
	sc, err := model.ParseScenario(spec, world)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func explore(t testing.TB, variant string, reduce bool, sc model.Scenario, opts ExploreOptions) *Report {
	t.Helper()
	if opts.Strategy.Name == "" {
		opts.Strategy.Name = "exhaustive"
	}
	rep, err := Explore(context.Background(), []*Executor{executor(t, variant, reduce)}, sc, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// smallScenarios catch each bug variant (docs/schedule-mode.md lists them).
var smallScenarios = []struct {
	variant, scenario, world string
	want                     model.Guarantee
}{
	{"join-check-then-insert", "c0: join(u0,g0); c1: join(u0,g0)", "", model.UniqueMembership},
	{"join-count-then-insert", "c0: join(u0,g0); c1: join(u1,g0)", "users=u0:100,u1:100 groups=g0:cap=1:fee=10", model.Capacity},
	{"wallet-read-modify-write", "c0: deposit(u0,5); c1: deposit(u0,7)", "", model.Conservation},
	{"transfer-check-then-debit", "c0: transfer(u0,u1,60); c1: transfer(u0,u1,60)", "", model.NoOverdraft},
	{"leave-double-refund", "c0: join(u0,g0) leave(u0,g0); c1: leave(u0,g0)", "", model.Conservation},
	{"balance-async-recompute", "c0: deposit(u0,5) balance(u0)", "", model.Linearizable},
}

func TestEveryBugVariantIsCaughtOnASmallScenario(t *testing.T) {
	for _, tt := range smallScenarios {
		t.Run(tt.variant, func(t *testing.T) {
			sc := mustParse(t, tt.scenario, tt.world)
			rep := explore(t, tt.variant, true, sc, ExploreOptions{})
			if rep.Violation == nil || !slices.Contains(rep.Violation.Verdict.Violated(), tt.want) {
				t.Fatalf("%s: %d schedules, no violation of %s", tt.scenario, rep.Explored, tt.want)
			}
			t.Logf("caught after %d schedules: %v", rep.Explored, rep.Violation.Verdict.Violated())
		})
	}
}

// TestCorrectVariantsHoldOnTheBugScenarios: every schedule of every bug's
// scenario holds for locking and serializable. A background worker makes the
// space much larger (its rounds interleave with every client), so for
// async-watermark the suite runs the first 150 schedules with at most one
// preemption; `make verify` explores further.
func TestCorrectVariantsHoldOnTheBugScenarios(t *testing.T) {
	for _, v := range pgtest.Correct() {
		opts := ExploreOptions{}
		if _, async := v.(protocol.Worker); async {
			opts = ExploreOptions{Strategy: Strategy{Name: "preempt", K: 1}, Max: 150}
		}
		for _, tt := range smallScenarios {
			t.Run(v.Info().Name+"/"+tt.variant, func(t *testing.T) {
				rep := explore(t, v.Info().Name, true, mustParse(t, tt.scenario, tt.world), opts)
				if rep.Violation != nil || (opts.Max == 0 && !rep.Complete) {
					t.Fatalf("complete %v, violation: %v\n%s", rep.Complete, rep.Violation != nil, transcriptOf(rep.Violation))
				}
			})
		}
	}
}

func transcriptOf(r *Result) string {
	if r == nil {
		return ""
	}
	return strings.Join(r.Transcript, "\n")
}

// TestFiveConcurrentJoinsExactlyOneJoins is the first original flaky test:
// five clients join the same group as the same user. In every schedule with
// at most two preemptions (one for serializable, which retries, to keep the
// suite quick; `make verify` runs two), exactly one joins.
func TestFiveConcurrentJoinsExactlyOneJoins(t *testing.T) {
	sc := mustParse(t, "c0: join(u0,g0); c1: join(u0,g0); c2: join(u0,g0); c3: join(u0,g0); c4: join(u0,g0)", "")
	for variant, k := range map[string]int{"locking": 2, "serializable": 1} {
		t.Run(variant, func(t *testing.T) {
			rep := explore(t, variant, true, sc, ExploreOptions{Strategy: Strategy{Name: "preempt", K: k}})
			if rep.Violation != nil || !rep.Complete {
				t.Fatalf("violation %v, complete %v", rep.Violation != nil, rep.Complete)
			}
			for outcome := range rep.Outcomes {
				if j, a := strings.Count(outcome, "→ joined"), strings.Count(outcome, "→ already_member"); j != 1 || a != 4 {
					t.Errorf("%d joined, %d already_member in:\n%s", j, a, outcome)
				}
			}
			t.Logf("%d schedules", rep.Explored)
		})
	}
}

func TestTheStaleReadNeedsTheWorkerAsAClient(t *testing.T) {
	sc := mustParse(t, "c0: deposit(u0,5) balance(u0); c1: balance(u0)", "")
	bug := explore(t, "balance-async-recompute", true, sc, ExploreOptions{})
	if bug.Violation == nil || !strings.Contains(transcriptOf(bug.Violation), "balance(u0) → 100") {
		t.Fatalf("no stale read found in %d schedules", bug.Explored)
	}
	fixed := explore(t, "async-watermark", true, sc, ExploreOptions{Strategy: Strategy{Name: "preempt", K: 1}, Max: 300})
	if fixed.Violation != nil {
		t.Fatalf("async-watermark: %s", transcriptOf(fixed.Violation))
	}
}

var worldArg = regexp.MustCompile(`\$1=\d+`)

// TestReplayIsDeterministic replays one schedule in which a client waits
// for a row lock 100 times: the transcript (world ids aside) and every answer
// must be the same every time.
func TestReplayIsDeterministic(t *testing.T) {
	e := executor(t, "locking", true)
	sc := mustParse(t, "c0: join(u0,g0) deposit(u0,5); c1: join(u0,g0) balance(u0)", "")
	var blocking []int
	for i := range 64 {
		candidate := interleave.Replay([]int{i & 1, i >> 1 & 1, i >> 2 & 1, i >> 3 & 1, i >> 4 & 1, i >> 5 & 1})
		res, err := e.Run(context.Background(), sc, &candidate)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(transcriptOf(res), "<waiting ...>") {
			blocking = res.Choices
			break
		}
	}
	if blocking == nil {
		t.Fatal("no schedule among 64 makes a client wait for a lock")
	}
	replaysAlike(t, e, sc, blocking, 100)
}

// TestReplayIsDeterministicWhenACommitWakesTwoClients: three clients join
// and leave at once (the check-then-insert bug: three memberships), and
// commits release rows two clients wait for. Before the engine woke such
// clients one at a time, which got the next row first was the operating
// system's choice: 5 of 200 replays of this schedule ended otherwise, and
// rapid could not shrink the failure it had found.
func TestReplayIsDeterministicWhenACommitWakesTwoClients(t *testing.T) {
	e := executor(t, "join-check-then-insert", true)
	sc := mustParse(t, "c0: join(u0,g0) leave(u0,g0); c1: join(u0,g0) leave(u0,g0); c2: join(u0,g0) leave(u0,g0)", "users=u0:100 groups=g0:cap=1:fee=10")
	replaysAlike(t, e, sc, []int{0, 0, 1, 0}, 100)
}

// replaysAlike runs sc under choices n times and fails unless every run has
// the first one's transcript (world ids aside) and outcome.
func replaysAlike(t *testing.T, e *Executor, sc model.Scenario, choices []int, n int) {
	t.Helper()
	var first string
	for i := range n {
		r := interleave.Replay(slices.Clone(choices))
		res, err := e.Run(context.Background(), sc, &r)
		if err != nil {
			t.Fatal(err)
		}
		got := worldArg.ReplaceAllString(transcriptOf(res), "$$1=W") + "\n" + res.Outcome
		if i == 0 {
			first = got
			t.Logf("schedule %v:\n%s", choices, got)
			continue
		}
		if got != first {
			t.Fatalf("replay %d differs:\n%s\n--- the first:\n%s", i, got, first)
		}
	}
}

// canonical is an outcome up to renaming the clients: the lines sorted
// without their labels. Symmetry reduction explores one of each renaming.
func canonical(outcome string) string {
	lines := strings.Split(outcome, "\n")
	for i, l := range lines {
		if _, rest, ok := strings.Cut(l, ": "); ok && strings.HasPrefix(l, "c") {
			lines[i] = rest
		}
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// TestReductionsAreSound: on each bug's small scenario, and on the three
// joins the gate explores for the correct variants, exploring with the
// reductions finds every violated guarantee and every distinct outcome (up
// to renaming clients) that exploring without them finds, in fewer schedules.
func TestReductionsAreSound(t *testing.T) {
	type soundnessCase struct{ variant, scenario, world, faults string }
	cases := []soundnessCase{
		// The gate explores the first flaky test with reductions, at two
		// preemptions: the correct variants' outcomes there must be the
		// unreduced ones too (three joins, as verify --quick).
		{"locking", "c0: join(u0,g0); c1: join(u0,g0); c2: join(u0,g0)", "", ""},
		{"serializable", "c0: join(u0,g0); c1: join(u0,g0); c2: join(u0,g0)", "", ""},
		// Faults: a killed session or a lost commit reply at any point,
		// among serialization failures whose ends are granted at once.
		{"serializable", "c0: join(u0,g0); c1: join(u0,g0)", "", "kill,lose-reply"},
		{"deposit-retry-double-credit", "c0: deposit(u0,5); c1: deposit(u0,7) balance(u0)", "", "kill,lose-reply"},
	}
	for _, tt := range smallScenarios {
		cases = append(cases, soundnessCase{tt.variant, tt.scenario, tt.world, ""})
	}
	for _, tt := range cases {
		t.Run(tt.variant+"/"+tt.scenario+"/"+tt.faults, func(t *testing.T) {
			sc := mustParse(t, tt.scenario, tt.world)
			strategy := Strategy{Name: "exhaustive"}
			switch {
			case tt.faults != "":
				strategy = Strategy{Name: "preempt", K: 1} // a fault is a choice at every point
			case len(sc.Clients) > 2:
				strategy = Strategy{Name: "preempt", K: 2}
			}
			summarize := func(reduce bool) (map[string]bool, map[string]bool, int) {
				opts := ExploreOptions{KeepGoing: true, Strategy: strategy}
				var rep *Report
				if tt.faults == "" {
					rep = explore(t, tt.variant, reduce, sc, opts)
				} else {
					var err error
					if rep, err = Explore(context.Background(), []*Executor{faultyExecutorReducing(t, tt.variant, tt.faults, reduce)}, sc, opts); err != nil {
						t.Fatal(err)
					}
				}
				if !rep.Complete {
					t.Fatalf("reduce=%v: exploration not complete", reduce)
				}
				violations, outcomes := map[string]bool{}, map[string]bool{}
				for _, r := range rep.Violating {
					violations[fmt.Sprint(r.Verdict.Violated())] = true
				}
				for o := range rep.Outcomes {
					outcomes[canonical(o)] = true
				}
				return violations, outcomes, rep.Explored
			}
			rawV, rawO, raw := summarize(false)
			redV, redO, reduced := summarize(true)
			if !maps.Equal(rawV, redV) {
				t.Errorf("violations: without reductions %v, with %v", slices.Collect(maps.Keys(rawV)), slices.Collect(maps.Keys(redV)))
			}
			if !maps.Equal(rawO, redO) {
				t.Errorf("%d distinct outcomes without reductions, %d with", len(rawO), len(redO))
			}
			if reduced > raw {
				t.Errorf("the reductions explored more: %d schedules, %d without", reduced, raw)
			}
			t.Logf("%d schedules without reductions, %d with; %d outcomes", raw, reduced, len(redO))
		})
	}
}

// TestCorpusReplays replays every minimal counterexample kept in
// histories/corpus: on its own (bug) variant it must give the recorded
// answers and violate a guarantee again; on every correct variant the same
// scenario and schedule must keep every guarantee.
func TestCorpusReplays(t *testing.T) {
	files, _ := filepath.Glob("../../histories/corpus/*.jsonl")
	if len(files) == 0 {
		t.Fatal("no corpus")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			h, err := histories.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			sc, recorded, err := histories.ScenarioOf(h, file)
			if err != nil {
				t.Fatal(err)
			}
			replay := func(variant string) *Result {
				choices := interleave.Replay(h.Header.Schedule)
				e := executor(t, variant, recorded.Reduce)
				if err := e.Recorded(recorded); err != nil {
					t.Fatal(err)
				}
				res, err := e.Run(context.Background(), sc, &choices)
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			if res := replay(h.Header.Variant); len(res.Verdict.Violated()) == 0 || res.Outcome != Outcome(h) {
				t.Errorf("on %s: violated %v, same outcome %v", h.Header.Variant, res.Verdict.Violated(), res.Outcome == Outcome(h))
			}
			for _, v := range pgtest.Correct() {
				if res := replay(v.Info().Name); !res.Verdict.Passed() {
					t.Errorf("on %s: %v", v.Info().Name, res.Verdict.Findings)
				}
			}
		})
	}
}

// TestMinimizeRemovesWhatTheBugDoesNotNeed: padded with calls and clients
// that play no part, each race shrinks back to its minimal form.
func TestMinimizeRemovesWhatTheBugDoesNotNeed(t *testing.T) {
	tests := []struct {
		variant, padded, world, want string
	}{
		{"join-check-then-insert", "c0: deposit(u0,7) join(u0,g0); c1: members(g0) join(u0,g0); c2: balance(u0)", "",
			"c0: join(u0,g0); c1: join(u0,g0)"},
		{"wallet-read-modify-write", "c0: deposit(u0,40) members(g0); c1: balance(u0) deposit(u0,30); c2: join(u0,g0)", "",
			"c0: deposit(u0,1); c1: join(u0,g0)"}, // the join's debit is the lost update
		{"join-count-then-insert", "c0: join(u0,g0) balance(u0); c1: deposit(u1,3) join(u1,g0)", "users=u0:100,u1:100 groups=g0:cap=1:fee=10",
			"c0: join(u0,g0); c1: join(u1,g0)"},
	}
	for _, tt := range tests {
		t.Run(tt.variant, func(t *testing.T) {
			e := executor(t, tt.variant, true)
			sc := mustParse(t, tt.padded, tt.world)
			rep, err := Explore(context.Background(), []*Executor{e}, sc, ExploreOptions{Strategy: Strategy{Name: "preempt", K: 2}})
			if err != nil || rep.Violation == nil {
				t.Fatalf("the padded scenario does not fail: %v", err)
			}
			small, res, err := Minimize(context.Background(), []*Executor{e}, sc, rep.Violation, rep.Violation.Verdict.Violated())
			if err != nil {
				t.Fatal(err)
			}
			if got := small.String(); got != tt.want || len(res.Verdict.Violated()) == 0 {
				t.Errorf("minimized to %q (violated %v), want %q", got, res.Verdict.Violated(), tt.want)
			}
		})
	}
}

// TestReplayIsDeterministicThroughSerializationFailures: five serializable
// joins, in a schedule where a commit fails the others' transactions with
// 40001 while some of them wait. Their ROLLBACKs are granted without a
// choice (the end of a failed transaction changes nothing another session
// sees), one after the other as the sessions report them, and the retries
// follow; 50 replays must give the same transcript and answers.
func TestReplayIsDeterministicThroughSerializationFailures(t *testing.T) {
	e := executor(t, "serializable", true)
	sc := mustParse(t, "c0: join(u0,g0); c1: join(u0,g0); c2: join(u0,g0); c3: join(u0,g0); c4: join(u0,g0)", "")
	var failing []int
	_, err := Explore(context.Background(), []*Executor{e}, sc, ExploreOptions{Strategy: Strategy{Name: "preempt", K: 2}, Max: 200,
		Visit: func(res *Result) {
			tr := transcriptOf(res)
			if failing == nil && strings.Count(tr, "SQLSTATE 40001") >= 3 && strings.Contains(tr, "<waiting ...>") {
				failing = res.Choices
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if failing == nil {
		t.Fatal("no schedule among 200 fails three transactions with 40001 while one waits")
	}
	replaysAlike(t, e, sc, failing, 50)
}
