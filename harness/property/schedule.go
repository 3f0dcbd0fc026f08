package property

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"pgregory.net/rapid"

	"jbcheck.dev/jbcheck/harness/fault"
	"jbcheck.dev/jbcheck/harness/interleave"
	"jbcheck.dev/jbcheck/harness/schedule"
	"jbcheck.dev/jbcheck/harness/workload"
	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

// Scenarios draws small schedule-mode scenarios: one world with one or two
// users and one group, one to three clients, one or two calls each. Races
// need clients to meet on the same rows, so every scenario has a theme (see
// script) and most are symmetric, like the original flaky tests (N clients
// making the same join at once): every client runs the same calls, on the
// same user or each on the next user (two users joining a one-seat group).
// Every world and call parameter reaches its edges (workload.EdgeOdds: fee
// 0, capacity 1 and 0, opening balance 0 or exactly the fee, amounts of
// exactly the balance, one user for every client, three groups). Shrinking
// goes toward fewer clients and calls, symmetric scenarios, the edges, rich
// users, the first theme and amounts near the opening balance.
func Scenarios() *rapid.Generator[model.Scenario] {
	return ScenariosOf(Shape{})
}

// Shape changes what Scenarios draws; the zero Shape is Scenarios.
type Shape struct {
	// Apart gives every client a user and a group of its own: clients
	// never meet on a row. It breaks the generator on purpose, for the test
	// that sees the gate's race coverage catch a search gone blind.
	Apart bool
}

// ScenariosOf draws scenarios as Scenarios does, changed as s says.
func ScenariosOf(s Shape) *rapid.Generator[model.Scenario] {
	return rapid.Custom(func(t *rapid.T) model.Scenario {
		th := theme(rapid.IntRange(0, int(themes)-1).Draw(t, "theme"))
		ws := workload.WorldShape{Users: [2]int{1, 2}, Groups: [2]int{1, 1}, ManyGroups: 3, Capacity: [2]int{1, 2},
			Fees: []int64{10}, Openings: []int64{100, 60, 20}}
		if th == transfers {
			ws.Users[0] = 2
		}
		w := workload.BuildWorld(t, ws)
		if s.Apart {
			return apart(t, w, th)
		}
		n := rapid.IntRange(1, 3).Draw(t, "clients")
		// 0: every client runs the first client's calls; 1: each on the
		// next user; 2: every client draws calls of its own.
		shape := rapid.IntRange(0, 2).Draw(t, "shape")
		clients := [][]model.Input{script(t, w, th)}
		for i := 1; i < n; i++ {
			switch shape {
			case 0:
				clients = append(clients, clients[0])
			case 1:
				clients = append(clients, nextUser(w, clients[i-1]))
			default:
				clients = append(clients, script(t, w, th))
			}
		}
		return model.Scenario{World: w, Clients: clients}
	})
}

// apart is a scenario of one to three clients, each with a user and a
// group of its own (the broken generator of Shape.Apart).
func apart(t *rapid.T, w model.World, th theme) model.Scenario {
	n := rapid.IntRange(1, 3).Draw(t, "clients")
	world := model.World{}
	var clients [][]model.Input
	for i := range n {
		own := model.World{Users: []model.User{{Name: fmt.Sprintf("u%d", i), Opening: w.Users[0].Opening}},
			Groups: []model.Group{{Name: fmt.Sprintf("g%d", i), Capacity: w.Groups[0].Capacity, Fee: w.Groups[0].Fee}}}
		world.Users, world.Groups = append(world.Users, own.Users...), append(world.Groups, own.Groups...)
		clients = append(clients, script(t, own, th))
	}
	return model.Scenario{World: world, Clients: clients}
}

// theme is a way for clients to meet on the same rows.
type theme int

const (
	anyCalls  theme = iota
	joins           // a duplicate join, or one over capacity
	deposits        // a lost update
	transfers       // worth more than half the sender's opening: two overdraw it
	joinLeave       // a join, then a leave: a member leaving twice at once
	thenRead        // a call, then a balance read: a stale read
	themes          // how many there are
)

// script draws one client's calls in w on theme th.
func script(t *rapid.T, w model.World, th theme) []model.Input {
	some := func(calls *rapid.Generator[model.Input]) []model.Input {
		return rapid.SliceOfN(calls, 1, 2).Draw(t, "calls")
	}
	switch th {
	case joins:
		return some(workload.InputsOf(w, model.OpJoin))
	case deposits:
		return some(workload.InputsOf(w, model.OpDeposit))
	case transfers:
		return some(rapid.Custom(func(t *rapid.T) model.Input {
			in := workload.InputsOf(w, model.OpTransfer).Draw(t, "transfer")
			opening := w.Opening(in.User)
			in.Amount = max(1, opening-rapid.Int64Range(0, opening/2).Draw(t, "below opening"))
			return in
		}))
	case joinLeave:
		join := workload.InputsOf(w, model.OpJoin).Draw(t, "join")
		return []model.Input{join, {Op: model.OpLeave, User: join.User, Group: join.Group}}
	case thenRead:
		return []model.Input{workload.Inputs(w).Draw(t, "call"), workload.InputsOf(w, model.OpBalance).Draw(t, "read")}
	}
	return some(workload.Inputs(w))
}

// nextUser is calls made by the next user of w (the last one by the first):
// every user named in a call moves on by one.
func nextUser(w model.World, calls []model.Input) []model.Input {
	index := map[string]int{}
	for i, u := range w.Users {
		index[u.Name] = i
	}
	next := func(name string) string {
		if i, ok := index[name]; ok {
			return w.Users[(i+1)%len(w.Users)].Name
		}
		return name
	}
	out := make([]model.Input, len(calls))
	for i, in := range calls {
		in.User, in.To = next(in.User), next(in.To)
		out[i] = in
	}
	return out
}

// Schedules draws schedules: choices shrink toward 0 (keep the current
// client running) and the list toward empty, so a failure shrinks toward
// sequential order.
func Schedules() *rapid.Generator[[]int] {
	return rapid.SliceOfN(rapid.IntRange(0, 3), 0, 40)
}

// Counterexample is a failing schedule-mode run: the scenario, the run (its
// choices, history, transcript and verdict).
type Counterexample struct {
	Scenario model.Scenario
	Result   *schedule.Result
	// Err is set, and Result nil, when the run itself failed: a fault of
	// the harness or its environment, not of the variant.
	Err error
}

// Guarantees is the schedule-mode property of a variant: in every scenario
// and schedule rapid draws, every guarantee holds (L and I1–I6 on the final
// audit). On a failure, failing receives the counterexample; rapid replays
// the minimal one last.
func Guarantees(ctx context.Context, e *schedule.Executor, failing func(Counterexample)) func(*rapid.T) {
	return Search{}.Guarantees(ctx, e, failing)
}

// Search tunes the property for a search that has no scenario to start
// from (jbcheck hunt): what it draws, when it stops, and who watches each
// run. The zero Search is the property as tests and the gate run it.
type Search struct {
	// Scenarios draws the scenarios (nil: Scenarios()).
	Scenarios *rapid.Generator[model.Scenario]
	// Crash adds a server crash to the faults a schedule may draw, and
	// draws a fault in every other schedule instead of one in five: a bug
	// only faults reveal (an acknowledged write lost to a crash) needs one,
	// at the cost of a restart per crash drawn.
	Crash bool
	// Deadline, if set, ends the search: draws that start after it pass
	// without running, so a round ends within one schedule of it.
	Deadline time.Time
	// Observe, if set, is told of every schedule run.
	Observe func(sc model.Scenario, res *schedule.Result)
}

// Guarantees is the property Search draws from.
func (s Search) Guarantees(ctx context.Context, e *schedule.Executor, failing func(Counterexample)) func(*rapid.T) {
	menu := faultMenu(e, s.Crash)
	scenarios := s.Scenarios
	if scenarios == nil {
		scenarios = Scenarios()
	}
	return func(t *rapid.T) {
		sc := scenarios.Draw(t, "scenario")
		if f := faults(menu, s.Crash).Draw(t, "faults"); f != nil {
			if err := e.SetFaults([]fault.Fault{f}, 1); err != nil {
				t.Fatalf("%v", err)
			}
			defer e.SetFaults(nil, 0)
		}
		choices := interleave.Replay(Schedules().Draw(t, "schedule"))
		if !s.Deadline.IsZero() && time.Now().After(s.Deadline) {
			return
		}
		res, err := e.Run(ctx, sc, &choices)
		if err != nil {
			if failing != nil {
				failing(Counterexample{Scenario: sc, Err: err})
			}
			t.Fatalf("%s: %v", sc, err)
		}
		if s.Observe != nil {
			s.Observe(sc, res)
		}
		if violated := res.Verdict.Violated(); len(violated) > 0 {
			if failing != nil {
				failing(Counterexample{Scenario: sc, Result: res})
			}
			t.Fatalf("%s, schedule %v: %v violated\n%s", sc, res.Choices, violated, strings.Join(res.Transcript, "\n"))
		}
		if !res.Verdict.Passed() {
			t.Fatalf("%s, schedule %v: undecided %v", sc, res.Choices, res.Verdict.Findings)
		}
	}
}

// faultMenu is the faults a drawn schedule of e can take: a killed session
// and a lost reply, and a crash when asked. Not a crash by default: a
// restart costs about as much as a hundred schedules, and crash points are
// explored at every step by the gate's fault scenarios and stress runs
// instead.
func faultMenu(e *schedule.Executor, crash bool) []fault.Fault {
	names := []string{"kill", "lose-reply"}
	if crash {
		names = append(names, "crash")
	}
	var menu []fault.Fault
	for _, name := range names {
		f, _ := fault.Lookup(name)
		if e.SetFaults([]fault.Fault{f}, 1) == nil {
			menu = append(menu, f)
		}
	}
	e.SetFaults(nil, 0)
	return menu
}

// Faults draws the fault a schedule may inject, if any: none most of the
// time (a crash costs a restart), otherwise one of menu, at one point of
// the schedule the schedule's choices decide. It shrinks toward none.
func Faults(menu []fault.Fault) *rapid.Generator[fault.Fault] { return faults(menu, false) }

// faults is Faults; often, a search for a bug only faults reveal, draws a
// fault every other schedule instead of one in five.
func faults(menu []fault.Fault, often bool) *rapid.Generator[fault.Fault] {
	none := 4
	if often {
		none = 1
	}
	return rapid.Custom(func(t *rapid.T) fault.Fault {
		i := rapid.IntRange(0, (none+1)*len(menu)-1).Draw(t, "fault")
		if i < none*len(menu) {
			return nil
		}
		return menu[i-none*len(menu)]
	})
}

// recordedAs sets e up as res's history says it ran.
func recordedAs(e *schedule.Executor, res *schedule.Result) error {
	_, recorded, err := histories.ScenarioOf(res.History, "counterexample")
	if err != nil {
		return err
	}
	return e.Recorded(recorded)
}

// Calls counts the counterexample's calls.
func (c Counterexample) Calls() int {
	n := 0
	for _, calls := range c.Scenario.Clients {
		n += len(calls)
	}
	return n
}

// Caught is a bug variant's failure of the Guarantees property.
type Caught struct {
	Drawn   Counterexample // the failure as rapid shrank it
	Minimal Counterexample // after schedule.Minimize
	Seed    uint64         // the round that failed
	Report  string         // rapid's report of it
}

// Catch runs the Guarantees property against e's variant round after round,
// with seeds first, first+1, ... (rounds of checks draws each), until one
// fails; then it finishes rapid's shrinking with schedule.Minimize (rapid
// shrinks scenario and schedule together and stops at local minima: see
// Minimize). It returns nil if every round held. With fixed seeds the hunt
// is as deterministic as schedule mode: same rounds, same counterexample.
// A bug variant is hunted with many rounds; a correct variant is checked
// with one, and a failure comes back as small as for a bug.
func Catch(ctx context.Context, e *schedule.Executor, first uint64, rounds, checks int) (*Caught, error) {
	return CatchProgress(ctx, e, first, rounds, checks, nil)
}

// CatchProgress is Catch calling progress, if set, as each draw starts
// with the draws started so far over every round.
func CatchProgress(ctx context.Context, e *schedule.Executor, first uint64, rounds, checks int, progress func(draws int)) (*Caught, error) {
	return Search{}.Catch(ctx, e, first, rounds, checks, progress)
}

// Catch is CatchProgress drawing as s says. Rounds past s.Deadline are not
// started.
func (s Search) Catch(ctx context.Context, e *schedule.Executor, first uint64, rounds, checks int, progress func(draws int)) (*Caught, error) {
	drawn := 0
	for seed := first; seed < first+uint64(rounds); seed++ {
		if !s.Deadline.IsZero() && time.Now().After(s.Deadline) {
			break
		}
		var last Counterexample
		opts := Options{Seed: seed, Checks: checks}
		if progress != nil {
			before := drawn
			opts.Progress = func(n int) { drawn = before + n; progress(drawn) }
		}
		got := Falsify(e.Variant().Info().Name, opts, s.Guarantees(ctx, e, func(c Counterexample) { last = c }))
		if err := ctx.Err(); err != nil {
			return nil, err // interrupted: the failures were the cancellation's
		}
		if !got.Failed {
			continue
		}
		if last.Err != nil {
			return nil, fmt.Errorf("running %s: %w", last.Scenario, last.Err)
		}
		if last.Result == nil {
			return nil, fmt.Errorf("internal error: the property failed without a counterexample (seed %d)", seed)
		}
		sc, res, err := minimize(ctx, e, last)
		if err != nil {
			return nil, fmt.Errorf("minimizing %s: %w", last.Scenario, err)
		}
		return &Caught{Drawn: last, Minimal: Counterexample{Scenario: sc, Result: res}, Seed: seed, Report: got.Report}, nil
	}
	return nil, nil
}

// minimize shrinks a drawn failure with schedule.Minimize. A failure drawn
// with a fault is first explored without one: a race that needs no fault
// shrinks to a run that has none (and is not charged with what the fault
// broke besides); otherwise Minimize explores as the failure ran, with its
// fault at every point.
func minimize(ctx context.Context, e *schedule.Executor, c Counterexample) (model.Scenario, *schedule.Result, error) {
	violated := c.Result.Verdict.Violated()
	if c.Result.Faults > 0 {
		without := slices.DeleteFunc(slices.Clone(violated), func(g model.Guarantee) bool { return g == model.Atomicity || g == model.Durability })
		if len(without) > 0 {
			res, err := schedule.Violates(ctx, []*schedule.Executor{e}, c.Scenario, schedule.OneOf(without), 2, faultlessBudget)
			if err != nil {
				return c.Scenario, c.Result, err
			}
			if res != nil {
				return schedule.Minimize(ctx, []*schedule.Executor{e}, c.Scenario, res, res.Verdict.Violated())
			}
		}
	}
	if err := recordedAs(e, c.Result); err != nil {
		return c.Scenario, c.Result, err
	}
	defer e.SetFaults(nil, 0)
	return schedule.Minimize(ctx, []*schedule.Executor{e}, c.Scenario, c.Result, violated)
}

// faultlessBudget bounds the search for the same failure without a fault:
// a race shows within the first schedules of a drawn scenario.
const faultlessBudget = 100
