package hunt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"pgregory.net/rapid"

	"jbcheck.dev/jbcheck/harness/coverage"
	"jbcheck.dev/jbcheck/harness/postgres"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/schedule"
	"jbcheck.dev/jbcheck/harness/shard"
	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

// DefaultBudget is a hunt's search time when Options.Budget is 0.
const DefaultBudget = 60 * time.Second

// Options set a hunt.
type Options struct {
	Server  *postgres.Server
	Variant protocol.Variant
	// Budget bounds the search, split between the stages as Split says;
	// shrinking a violation found comes on top (0: DefaultBudget).
	Budget time.Duration
	// Split shares Budget between the stages (zero: DefaultSplit).
	Split Split
	// Seed is the first property round's seed and the first stress run's
	// (0: 1): the same seed searches the same scenarios and schedules.
	Seed uint64
	// Out receives the counterexample (history, transcript, picture, bug
	// report); "" writes nothing.
	Out string
	// Shard splits the property's rounds and the stress runs: shard i of n
	// takes the rounds and runs k with k mod n = i-1.
	Shard shard.Shard
	// Log receives a line per stage; nil for none.
	Log   io.Writer
	Lanes int // parallel exploration lanes while shrinking (at least 1)
	// Draws is the property's draws per round (0: 100).
	Draws int
	// MaxRounds and MaxStressRuns, if set, bound the stages by count as
	// well as by time (the gate's fixed budgets).
	MaxRounds, MaxStressRuns int
	// StressRun is one stress run's length (0: 3 s).
	StressRun time.Duration
	// ShrinkWithin, if set, bounds the cutting of a stress violation into
	// schedule-mode candidates: past it the stress history is kept whole,
	// with the reason (a judge that needs only the verdict, mutate, sets
	// it; a race no schedule shows would try every candidate).
	ShrinkWithin time.Duration
	// Scenarios draws the property's scenarios (nil: property.Scenarios()).
	// A test breaks it on purpose to see the coverage check fire.
	Scenarios *rapid.Generator[model.Scenario]
	// Reference are scenarios the search must be able to reach the windows
	// of, besides the ones it draws: verify passes its standard scenarios.
	Reference []model.Scenario
	Command   string // recorded in histories (default "jbcheck hunt")
}

// Split shares a hunt's budget: Property of it draws scenarios and
// schedules, the rest runs stress. The property comes first: what it finds
// shrinks fast and replays exactly.
type Split struct{ Property float64 }

// DefaultSplit gives the property two thirds, stress a third.
var DefaultSplit = Split{Property: 2.0 / 3}

// Result is what a hunt found, or what it searched.
type Result struct {
	Variant  string
	Violated bool
	// Counterexample is the violation found, shrunk; nil when none.
	Counterexample *Counterexample
	Searched       Searched
	Coverage       coverage.Table
}

// Searched is what a hunt ran.
type Searched struct {
	Rounds     int   // property rounds (seeds)
	Scenarios  int   // distinct scenarios drawn
	Schedules  int   // schedules run, shrinking's included
	StressRuns int   // stress runs
	StressOps  int64 // operations of every stress run
	Bursts     int64 // bursts the stress runs fired (their calls are among StressOps)
	Property   time.Duration
	Stress     time.Duration
	Shrink     time.Duration
	Elapsed    time.Duration
}

// Counterexample is a violation, as small as shrinking made it.
type Counterexample struct {
	Stage    string            // "property" or "stress": which search found it
	Found    time.Duration     // from the hunt's start to the violation
	Violated []model.Guarantee // what the shrunk run violates
	Scenario model.Scenario    // the shrunk scenario; empty when not shrunk
	Result   *schedule.Result  // its run; nil when not shrunk (a stress history only)
	Shrunk   bool
	// Note says why a stress history could not be shrunk, if it could not.
	Note      string
	Files     histories.Files // under Options.Out; empty without it
	BugReport string          // path of bug-report.md; "" without Out
	Seed      uint64          // the property round or stress run that found it
}

// Clients and Calls measure the shrunk scenario.
func (c *Counterexample) Clients() int { return len(c.Scenario.Clients) }

// Calls counts the shrunk scenario's calls.
func (c *Counterexample) Calls() int {
	n := 0
	for _, calls := range c.Scenario.Clients {
		n += len(calls)
	}
	return n
}

// ErrBadOptions reports Options a hunt cannot run with.
var ErrBadOptions = errors.New("bad hunt options")

// Run hunts for a violation of o.Variant's guarantees.
func Run(ctx context.Context, o Options) (Result, error) {
	if o.Server == nil || o.Variant == nil {
		return Result{}, fmt.Errorf("%w: a server and a variant are needed", ErrBadOptions)
	}
	if o.Budget <= 0 {
		o.Budget = DefaultBudget
	}
	if o.Split.Property <= 0 || o.Split.Property > 1 {
		o.Split = DefaultSplit
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Draws <= 0 {
		o.Draws = 100
	}
	if o.StressRun <= 0 {
		o.StressRun = 3 * time.Second
	}
	if o.Command == "" {
		o.Command = "jbcheck hunt"
	}
	h := &hunter{o: o, start: time.Now(), res: Result{Variant: o.Variant.Info().Name}, drawn: map[string]model.Scenario{}}
	execs, err := schedule.NewExecutors(ctx, o.Server, o.Variant, max(1, o.Lanes))
	if err != nil {
		return h.res, err
	}
	defer schedule.CloseAll(execs)
	for _, e := range execs {
		e.Reduce = true
		e.Command = o.Command
	}
	h.execs = execs
	_, worker := o.Variant.(protocol.Worker)
	h.res.Coverage.Reach(coverage.Reachable(o.Reference, worker))

	propertyEnd := h.start.Add(time.Duration(float64(o.Budget) * o.Split.Property))
	if err := h.property(ctx, propertyEnd); err != nil || h.res.Violated {
		return h.finish(), err
	}
	if err := h.stress(ctx, h.start.Add(o.Budget)); err != nil {
		return h.finish(), err
	}
	return h.finish(), nil
}

// hunter is one hunt's state.
type hunter struct {
	o     Options
	start time.Time
	execs []*schedule.Executor
	res   Result
	drawn map[string]model.Scenario // distinct scenarios drawn, by text
	// violated is when the first violating schedule ended (rapid's
	// shrinking and Minimize come after it).
	violated time.Duration
}

func (h *hunter) logf(format string, args ...any) {
	if h.o.Log != nil {
		fmt.Fprintf(h.o.Log, "hunt %s: "+format+"\n", append([]any{h.res.Variant}, args...)...)
	}
}

// finish adds up what was searched: the drawn scenarios' reach, the time.
func (h *hunter) finish() Result {
	_, worker := h.o.Variant.(protocol.Worker)
	var drawn []model.Scenario
	for _, sc := range h.drawn {
		drawn = append(drawn, sc)
	}
	h.res.Coverage.Reach(coverage.Reachable(drawn, worker))
	h.res.Searched.Scenarios = len(h.drawn)
	h.res.Searched.Elapsed = time.Since(h.start)
	return h.res
}

// observe counts one schedule-mode run: its scenario and its windows.
func (h *hunter) observe(sc model.Scenario, res *schedule.Result) {
	h.res.Searched.Schedules++
	if h.violated == 0 && len(res.Verdict.Violated()) > 0 {
		h.violated = time.Since(h.start)
	}
	h.drawn[sc.String()+" | "+sc.World.String()] = sc
	h.res.Coverage.Add(coverage.Observe(res.History, res.Transcript, nil))
}

// Line is the one-line account of a hunt: the violation, or what held.
func (r Result) Line() string {
	s := r.Searched
	if c := r.Counterexample; c != nil {
		shape := "not shrunk: " + c.Note
		if c.Shrunk {
			shape = fmt.Sprintf("shrunk to %d clients, %d calls: %s", c.Clients(), c.Calls(), c.Scenario)
		}
		return fmt.Sprintf("%s: VIOLATED %v, found by %s after %.1fs; %s", r.Variant, c.Violated, c.Stage, c.Found.Seconds(), shape)
	}
	return fmt.Sprintf("%s: held on %d scenarios, %d schedules, %d stress operations (%d runs, %d bursts) in %.1fs; race coverage: %s",
		r.Variant, s.Scenarios, s.Schedules, s.StressOps, s.StressRuns, s.Bursts, s.Elapsed.Seconds(), r.Coverage.Summary())
}
