package shrink

import (
	"context"
	"errors"
	"fmt"
	"time"

	"jbcheck.dev/jbcheck/harness/interleave"
	"jbcheck.dev/jbcheck/harness/schedule"
	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

// ErrNothingToShrink: the history violates no guarantee.
var ErrNothingToShrink = errors.New("the history violates no guarantee: there is nothing to shrink")

// ErrNotReproduced: no scenario the search ran fails as the history does.
// Every other error of Shrink is one of the environment (the server, the
// files), not of the search.
var ErrNotReproduced = errors.New("no schedule-mode scenario tried fails as the history does")

// Options bound the search for a small scenario in a stress history.
type Options struct {
	// Neighbours: a call is paired with calls of other clients invoked among
	// the next Neighbours calls of its world (default 8).
	Neighbours int
	// Candidates caps the scenarios tried before Minimize (default 600).
	Candidates int
	// Budget caps the schedules explored per candidate (default 200).
	// Candidates are explored with at most one preemption: every known race
	// between two calls shows with one (a stale read with none), and with
	// the background worker scheduled two preemptions cost minutes per
	// candidate. Minimize then explores with two.
	Budget int
	// Progress, if set, is told of each candidate scenario tried.
	Progress func(tried int, sc model.Scenario)
}

// Shrunk is a minimal counterexample and how it was found.
type Shrunk struct {
	Want     []model.Guarantee // what the input violated: the result violates one of them
	From     string            // where shrinking started: the recorded scenario, or the candidate that failed
	Tried    int               // candidate scenarios explored before Minimize
	Scenario model.Scenario
	Result   *schedule.Result
	Elapsed  time.Duration
}

// Shrink finds the smallest scenario that fails one of the guarantees h
// violates, running it in schedule mode on execs (one executor per lane of
// exploration, all for the variant to shrink against). file names h in
// errors.
func Shrink(ctx context.Context, execs []*schedule.Executor, h *histories.History, file string, opts Options) (*Shrunk, error) {
	start := time.Now()
	verdict := histories.Check(h, histories.CheckOptions{})
	want := verdict.Violated()
	if len(want) == 0 {
		return nil, fmt.Errorf("%s: %w", file, ErrNothingToShrink)
	}
	out := &Shrunk{Want: want}
	var sc model.Scenario
	var res *schedule.Result
	var err error
	if h.Header.Mode == histories.ModeSchedule {
		sc, res, execs, err = fromSchedule(ctx, execs, h, file, want)
		out.From = "the recorded scenario and schedule"
	} else {
		sc, res, out.Tried, err = fromStress(ctx, execs, h, verdict, want, opts)
		out.From = fmt.Sprintf("candidate %d: %s", out.Tried, sc)
	}
	if err != nil {
		return nil, err
	}
	out.Scenario, out.Result, err = schedule.Minimize(ctx, execs, sc, res, want)
	out.Elapsed = time.Since(start)
	return out, err
}

// fromSchedule replays a schedule-mode history's scenario and schedule: the
// run Minimize starts from. If it no longer fails (another variant, or a
// changed protocol), exploring the scenario may still find a schedule that
// does. It returns the lanes to go on with: one when the history's faults
// stay on (a crash hits every lane's connections).
func fromSchedule(ctx context.Context, execs []*schedule.Executor, h *histories.History, file string, want []model.Guarantee) (model.Scenario, *schedule.Result, []*schedule.Executor, error) {
	sc, recorded, err := histories.ScenarioOf(h, file)
	if err != nil {
		return sc, nil, execs, err
	}
	// The recorded settings, faults included, for the replay and the
	// exploration after it: shrinking keeps a fault the failure needs.
	for _, e := range execs {
		if err := e.Recorded(recorded); err != nil {
			return sc, nil, execs, err
		}
	}
	if len(recorded.Faults) > 0 {
		execs = execs[:1]
	}
	choices := interleave.Replay(h.Header.Schedule)
	res, err := execs[0].Run(ctx, sc, &choices)
	if err != nil {
		return sc, nil, execs, err
	}
	if schedule.OneOf(want)(res.Verdict.Violated()) {
		return sc, res, execs, nil
	}
	if res, err = schedule.Violates(ctx, execs, sc, schedule.OneOf(want), 2, 2000); err != nil || res != nil {
		return sc, res, execs, err
	}
	return sc, nil, execs, fmt.Errorf("%w: %s: its schedule no longer fails against %s, and no schedule of its scenario with at most two preemptions does",
		ErrNotReproduced, file, execs[0].Name())
}

// fromStress explores candidate scenarios cut from the first violating
// world of a stress history, smallest first, until one fails.
func fromStress(ctx context.Context, execs []*schedule.Executor, h *histories.History, v histories.Verdict, want []model.Guarantee, opts Options) (model.Scenario, *schedule.Result, int, error) {
	if opts.Neighbours == 0 {
		opts.Neighbours = 8
	}
	if opts.Candidates == 0 {
		opts.Candidates = 600
	}
	if opts.Budget == 0 {
		opts.Budget = 200
	}
	tried := 0
	for _, world := range v.ViolatingWorlds() {
		focus := map[int]bool{}
		for _, f := range v.Findings {
			if f.World == world && len(f.Lines) > 0 {
				focus[f.Lines[0]] = true
			}
		}
		for _, sc := range Candidates(h, world, opts.Neighbours, focus) {
			if tried == opts.Candidates {
				break
			}
			tried++
			if opts.Progress != nil {
				opts.Progress(tried, sc)
			}
			res, err := schedule.Violates(ctx, execs, sc, schedule.OneOf(want), 1, opts.Budget)
			if err != nil || res != nil {
				return sc, res, tried, err
			}
		}
	}
	return model.Scenario{}, nil, tried, fmt.Errorf("%w: none of the %d candidate scenarios cut from the violating worlds fails %v in schedule mode; "+
		"try --candidates or --neighbours higher, or write the scenario by hand for `jbcheck explore`", ErrNotReproduced, tried, want)
}
