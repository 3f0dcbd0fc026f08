package hunt

// The search's stages: the property's rounds of drawn scenarios and
// schedules, then stress runs with and without faults.

import (
	"bytes"
	"context"
	"path/filepath"
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

// stressFaults are the faults a stress run takes every other run; a bug
// only faults reveal takes them on every run, six times as often.
var stressFaults = []string{"crash", "kill", "cancel", "lose-reply"}

const (
	faultEvery     = 300 * time.Millisecond
	faultOnlyEvery = 50 * time.Millisecond
)

// stress runs stress runs of StressRun each until one violates a guarantee
// or the stage's time is up: runs alternate between no faults and faults,
// except for a bug only faults reveal, whose every run takes them, fast.
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
	faultOnly := h.o.Variant.Info().FaultOnly
	for run := 0; h.o.MaxStressRuns == 0 || run < h.o.MaxStressRuns; run++ {
		left := time.Until(end)
		if left <= 0 {
			break
		}
		if !h.o.Shard.Owns(run) {
			continue
		}
		cfg := stress.Config{Server: h.o.Server, Variant: h.o.Variant, Clients: 8, Worlds: 4, Seed: int64(h.o.Seed) + int64(run),
			Duration: min(h.o.StressRun, max(left, time.Second)), Command: h.o.Command}
		if faultOnly || run%2 == 1 {
			cfg.Faults, cfg.FaultInterval = faults, faultEvery
			if faultOnly {
				cfg.FaultInterval = faultOnlyEvery
			}
		}
		var buf bytes.Buffer
		cfg.History = &buf
		sum, err := stress.Run(ctx, cfg)
		if err != nil {
			return err
		}
		h.res.Searched.StressRuns++
		h.res.Searched.StressOps += sum.Ops
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
	shrunk, err := shrink.Shrink(ctx, h.execs, hist, file, shrink.Options{Candidates: 100})
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
