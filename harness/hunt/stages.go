package hunt

// The search's stages: the property's rounds of drawn scenarios and
// schedules, then stress runs with and without faults.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"jbcheck.dev/jbcheck/harness/coverage"
	"jbcheck.dev/jbcheck/harness/fault"
	"jbcheck.dev/jbcheck/harness/property"
	"jbcheck.dev/jbcheck/harness/shrink"
	"jbcheck.dev/jbcheck/harness/stress"
	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

// property runs rounds of the schedule-mode property (seeds Seed, Seed+1,
// …, the shard's only) until one fails or the stage's time is up. A bug only
// faults reveal is hunted with a crash among the faults a schedule draws.
func (h *hunter) property(ctx context.Context, end time.Time) error {
	start := time.Now()
	defer func() { h.res.Searched.Property = time.Since(start) }()
	search := property.Search{Scenarios: h.o.Scenarios, Crash: h.o.Variant.Info().FaultOnly, Deadline: end, Observe: h.observe}
	e := h.execs[0]
	for round := 0; time.Now().Before(end) && (h.o.MaxRounds == 0 || round < h.o.MaxRounds); round++ {
		if !h.o.Shard.Owns(round) {
			continue
		}
		seed := h.o.Seed + uint64(round)
		caught, err := search.Catch(ctx, e, seed, 1, h.o.Draws, nil)
		h.res.Searched.Rounds++
		if err != nil {
			return err
		}
		if caught == nil {
			continue
		}
		found := h.violated
		h.res.Searched.Shrink = time.Since(h.start) - found
		h.logf("property round %d (seed %d) violated %v after %.1fs; shrunk in %.1fs", round, seed, caught.Drawn.Result.Verdict.Violated(), found.Seconds(), h.res.Searched.Shrink.Seconds())
		m := caught.Minimal
		c := &Counterexample{Stage: "property", Found: found, Violated: m.Result.Verdict.Violated(), Scenario: m.Scenario, Result: m.Result, Shrunk: true, Seed: seed}
		return h.keep(c)
	}
	h.logf("property: %d rounds, %d schedules held (%.1fs)", h.res.Searched.Rounds, h.res.Searched.Schedules, time.Since(start).Seconds())
	return nil
}

// stressFaults are the faults a stress run takes every other run.
var stressFaults = []string{"crash", "kill", "cancel", "lose-reply"}

// faultOnlyRuns are the faults of a fault-only bug's stress runs, one kind
// a run, in turn: mixed with crashes, a lost reply or a killed session
// comes too seldom (a restart stalls every client), and each alone meets
// the call it breaks within a run.
var faultOnlyRuns = []string{"lose-reply", "kill", "crash"}

// burstEvery is the pause between two bursts of a stress run without
// faults (stress.Config.BurstEvery): every client fires the same kind of
// call on one hot row at once, a race inside one statement that calls
// drawn one by one almost never meet. It is short: a client between two
// bursts makes a call or two of its own (more on a fast variant), and
// bursts are what such a race needs many of.
const burstEvery = 10 * time.Millisecond

const (
	faultEvery     = 300 * time.Millisecond
	faultOnlyEvery = 50 * time.Millisecond // a killed session; crashes come every faultEvery
	// loseReplyEvery paces a fault-only bug's lost replies. Each waits for
	// the commit of its client's next call, and each kind of call is hit as
	// often as it is made: a bug one kind has needs many. Deposits are 5 %
	// of the mix: at 50 ms a 3 s run lost about 51 replies, and 1 run in 12
	// met no deposit's (deposit-retry-double-credit escaped the gate); at
	// 10 ms about 138, and 12 runs of 12 caught it.
	loseReplyEvery = 10 * time.Millisecond
)

// faultsOf are the faults stress run number run takes, and how often: none
// on every other run, the four kinds on the others; for a fault-only bug,
// one kind a run, in turn, fast.
func (h *hunter) faultsOf(run int, mixed []fault.Fault) ([]fault.Fault, time.Duration) {
	if !h.o.Variant.Info().FaultOnly {
		if run%2 == 0 {
			return nil, 0
		}
		return mixed, faultEvery
	}
	for k := range faultOnlyRuns {
		name := faultOnlyRuns[(run+k)%len(faultOnlyRuns)]
		for _, f := range mixed {
			if f.Name() != name {
				continue
			}
			switch {
			case f.OnServer():
				return []fault.Fault{f}, faultEvery // a restart stalls every client
			case f.Name() == "lose-reply":
				return []fault.Fault{f}, loseReplyEvery
			}
			return []fault.Fault{f}, faultOnlyEvery
		}
	}
	return nil, 0
}

// stress runs stress runs of StressRun each until one violates a guarantee
// or the stage's time is up, with the faults faultsOf gives each.
func (h *hunter) stress(ctx context.Context, end time.Time) error {
	start := time.Now()
	defer func() { h.res.Searched.Stress = time.Since(start) }()
	faults, err := applicable(h.o)
	if err != nil {
		return err
	}
	if len(faults) == 0 {
		h.logf("stress: no fault applies to this server: runs without faults only")
	}
	for run := 0; h.o.MaxStressRuns == 0 || run < h.o.MaxStressRuns; run++ {
		left := time.Until(end)
		if left <= 0 {
			break
		}
		if !h.o.Shard.Owns(run) {
			continue
		}
		cfg := stress.Config{Server: h.o.Server, Variant: h.o.Variant, Clients: 8, Worlds: 4, Seed: int64(h.o.Seed) + int64(run),
			Duration: min(h.o.StressRun, max(left, time.Second)), Command: h.o.Command, BurstEvery: burstEvery}
		cfg.Faults, cfg.FaultInterval = h.faultsOf(run, faults)
		var buf bytes.Buffer
		cfg.History = &buf
		sum, err := stress.Run(ctx, cfg)
		if err != nil {
			return err
		}
		h.res.Searched.StressRuns++
		h.res.Searched.StressOps += sum.Ops
		h.res.Searched.Bursts += sum.Bursts
		hist, err := histories.Read(bytes.NewReader(buf.Bytes()), "stress")
		if err != nil {
			return err
		}
		h.res.Coverage.Add(coverage.Observe(hist, nil, nil))
		// A stress run's clients reach every window of their worlds but the
		// worker's, whose rounds a stress history does not record.
		h.res.Coverage.Reach(coverage.Reachable([]model.Scenario{coverage.StressScenario()}, false))
		verdict := histories.Check(hist, histories.CheckOptions{})
		if len(verdict.Violated()) == 0 {
			continue
		}
		found := time.Since(h.start)
		h.logf("stress run %d (seed %d, faults %q) violated %v after %.1fs; shrinking", run, cfg.Seed, names(cfg.Faults), verdict.Violated(), found.Seconds())
		return h.shrinkStress(ctx, hist, buf.Bytes(), verdict, found, uint64(cfg.Seed))
	}
	h.logf("stress: %d runs, %d operations held (%.1fs)", h.res.Searched.StressRuns, h.res.Searched.StressOps, time.Since(start).Seconds())
	return nil
}

// shrinkStress cuts a schedule-mode counterexample out of a violating
// stress history; one that cannot be shrunk (a fault schedule mode cannot
// place) is kept whole.
func (h *hunter) shrinkStress(ctx context.Context, hist *histories.History, raw []byte, verdict histories.Verdict, found time.Duration, seed uint64) error {
	c := &Counterexample{Stage: "stress", Found: found, Violated: verdict.Violated(), Seed: seed}
	defer func() { h.res.Searched.Shrink = time.Since(h.start) - found }()
	dir := h.o.Out
	file := "stress history"
	if dir != "" {
		dir = filepath.Join(dir, "stress")
		file = filepath.Join(dir, "history.jsonl")
		if err := writeStress(dir, raw, hist, verdict); err != nil {
			return err
		}
	}
	var shrunk *shrink.Shrunk
	var err error
	switch {
	case slices.Contains(c.Violated, model.Durability):
		err = errLostToACrash
	case h.o.Variant.Info().FaultOnly:
		err = errNeedsAFault
	default:
		shrunk, err = h.cut(ctx, hist, file)
	}
	switch {
	case err == nil:
		c.Scenario, c.Result, c.Shrunk, c.Violated = shrunk.Scenario, shrunk.Result, true, shrunk.Result.Verdict.Violated()
	case ctx.Err() != nil:
		return ctx.Err()
	default:
		c.Note = err.Error()
		if dir != "" {
			c.Files = histories.FilesIn(dir)
			c.Files.Transcript = ""
		}
		return h.report(c, hist, verdict, nil)
	}
	return h.keep(c)
}

// cut cuts schedule-mode candidates out of a stress history and shrinks
// the first that fails, within Options.ShrinkWithin when it is set.
func (h *hunter) cut(ctx context.Context, hist *histories.History, file string) (*shrink.Shrunk, error) {
	opts := shrink.Options{Candidates: 100}
	if h.o.ShrinkWithin <= 0 {
		return shrink.Shrink(ctx, h.execs, hist, file, opts)
	}
	within, cancel := context.WithTimeout(ctx, h.o.ShrinkWithin)
	defer cancel()
	shrunk, err := shrink.Shrink(within, h.execs, hist, file, opts)
	if err != nil && ctx.Err() == nil && within.Err() != nil {
		err = fmt.Errorf("no schedule-mode candidate cut from it failed within %s, the time shrinking was given: a race that needs two statements running at the same moment is one no schedule shows (a schedule's step is a statement, run alone)", h.o.ShrinkWithin)
	}
	return shrunk, err
}

// errLostToACrash is why a stress history that lost an acknowledged write
// is not shrunk: the candidates run in schedule mode without faults, and
// no schedule without a crash loses a write.
var errLostToACrash = errors.New("an acknowledged write lost to a crash (D) is not shrunk: schedule-mode candidates run without crashes; explore the calls of its world with --faults crash")

// errNeedsAFault is why a fault-only bug's stress history is not shrunk:
// its violation needs the fault, which schedule-mode candidates do not have.
var errNeedsAFault = errors.New("the bug shows only under a fault, and schedule-mode candidates run without faults: the drawn schedules' faults (the property stage) or explore --faults find its smallest form")

// applicable are the stress faults this server can take (a crash needs the
// embedded cluster).
func applicable(o Options) ([]fault.Fault, error) {
	all, err := fault.Parse(strings.Join(stressFaults, ","))
	if err != nil {
		return nil, err
	}
	var out []fault.Fault
	for _, f := range all {
		if f.Applies(o.Server) == nil {
			out = append(out, f)
		}
	}
	return out, nil
}

func names(faults []fault.Fault) string {
	var out []string
	for _, f := range faults {
		out = append(out, f.Name())
	}
	return strings.Join(out, ",")
}
