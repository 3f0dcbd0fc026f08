package spec

import (
	"context"
	"errors"
	"fmt"

	"jbcheck.dev/jbcheck/harness/interleave"
	"jbcheck.dev/jbcheck/harness/shard"
)

// ExploreOptions tune an exploration.
type ExploreOptions struct {
	Strategy  interleave.Strategy
	Max       int  // schedules at most (0: no bound; pct: 200)
	KeepGoing bool // explore past the first violation
	NoReduce  bool // no bare BEGIN (or end of a failed transaction) granted at once
	// FinalQuery reads the final state instead of every table the setup
	// created.
	FinalQuery string
	// Oracle, if set, judges each distinct outcome; a violation stops the
	// exploration unless KeepGoing.
	Oracle   *Oracle
	Progress func(explored int)
	// Shard, when sharded, explores only this shard's part: n shards
	// together run exactly the unsharded exploration's schedules
	// (interleave.ExploreOptions.Shard).
	Shard shard.Shard
}

// Outcome is one distinct outcome of an exploration.
type Outcome struct {
	Key     string
	Count   int          // schedules that had it
	Obs     *Observation // of the first schedule that had it
	Verdict *Verdict     // with an oracle
}

// Permutation is the first schedule that had the outcome, as a
// permutation line: running it replays the outcome.
func (o *Outcome) Permutation() string { return o.Obs.Permutation() }

// ExploreReport is what an exploration found.
type ExploreReport struct {
	*interleave.Report
	Outcomes  []*Outcome // in the order they were first seen
	Violation *Outcome   // the first outcome no serial order gives
}

// Violations are the outcomes no serial order gives.
func (r *ExploreReport) Violations() []*Outcome {
	var out []*Outcome
	for _, o := range r.Outcomes {
		if o.Verdict.Violated() {
			out = append(out, o)
		}
	}
	return out
}

// Explore runs every interleaving of the spec's sessions' steps the
// strategy allows — each session's steps in order, each step one
// scheduling point, a blocked step waiting for its lock — and groups the
// schedules by outcome: what every step printed, and the final state.
func (r *Runner) Explore(ctx context.Context, sp *Spec, opts ExploreOptions) (*ExploreReport, error) {
	plan := make([][]*Step, len(sp.Sessions))
	for i, sess := range sp.Sessions {
		plan[i] = sess.Steps
	}
	rep := &ExploreReport{}
	seen := map[string]*Outcome{}
	p := &program{spec: sp, router: r.router, plan: plan, final: &finalState{Query: opts.FinalQuery},
		reduce: !opts.NoReduce, timeout: r.opts.BlockTimeout, dirty: r.dirty}
	// An outcome is judged when a schedule first has it, and counted when
	// the exploration counts the schedule: a sharded exploration runs
	// schedules it leaves to another shard to count.
	p.judge = func(ctx context.Context, obs *Observation) (bool, error) {
		o := seen[obs.Key()]
		if o == nil {
			o = &Outcome{Key: obs.Key(), Obs: obs}
			if opts.Oracle != nil {
				v, err := opts.Oracle.Check(ctx, obs)
				if err != nil {
					return false, fmt.Errorf("checking serializability: %w", err)
				}
				o.Verdict = v
			}
			seen[o.Key] = o
		}
		return o.Verdict.Violated(), nil
	}
	count := func(res *interleave.Result) {
		o := seen[res.Outcome.Key]
		if o.Count == 0 {
			rep.Outcomes = append(rep.Outcomes, o)
		}
		o.Count++
		if o.Verdict.Violated() && rep.Violation == nil {
			rep.Violation = o
		}
	}
	ir, err := interleave.Explore(ctx, []*interleave.Engine{r.engine}, p, interleave.ExploreOptions{
		Strategy: opts.Strategy, Max: opts.Max, KeepGoing: opts.KeepGoing, Progress: opts.Progress, Visit: count, Shard: opts.Shard})
	r.dirty = p.dirty
	r.cleanUp(ctx, sp)
	rep.Report = ir
	if err != nil {
		var setup *SetupError
		if errors.As(err, &setup) {
			return rep, setup
		}
		return rep, err
	}
	return rep, nil
}

// Replay runs one permutation — an outcome's schedule — and returns what
// isolationtester prints of it, with the observation (final state
// included, read as an exploration reads it).
func (r *Runner) Replay(ctx context.Context, sp *Spec, perm *Permutation, finalQuery string) (*PermResult, error) {
	return r.Permutation(ctx, sp, perm, &finalState{Query: finalQuery})
}
