package schedule

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"jbcheck.dev/jbcheck/harness/interleave"
	"jbcheck.dev/jbcheck/harness/shard"
	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

// Result is one schedule's run: the engine's record of it (choices,
// points, transcript) with its history and its verdict.
type Result struct {
	*interleave.Result
	// History is the schedule's history as its file reads back (File).
	History *histories.History
	Verdict histories.Verdict
	// Outcome is every client's calls and answers and the final audit:
	// equal outcomes mean equal runs, world ids aside.
	Outcome string
	ev      *evidence
}

func resultOf(r *interleave.Result) *Result {
	if r == nil {
		return nil
	}
	ev := r.Outcome.Evidence.(*evidence)
	return &Result{Result: r, History: ev.history, Verdict: ev.verdict, Outcome: r.Outcome.Key, ev: ev}
}

// File is the schedule's history file, history.jsonl's bytes.
func (r *Result) File() ([]byte, error) { return r.ev.writer.Bytes(r.ev.header) }

// Run runs scenario sc under the choices of ch in a fresh world.
func (e *Executor) Run(ctx context.Context, sc model.Scenario, ch interleave.Chooser) (*Result, error) {
	r, err := e.engine.Run(ctx, &program{e: e, sc: sc}, ch)
	if err != nil {
		return nil, err
	}
	return resultOf(r), nil
}

// Strategy is how Explore picks schedules (the engine's strategies).
type Strategy = interleave.Strategy

// ParseStrategy reads "exhaustive", "preempt=K" or "pct" / "pct=D".
func ParseStrategy(s string, seed int64) (Strategy, error) { return interleave.ParseStrategy(s, seed) }

// ExploreOptions tune Explore.
type ExploreOptions struct {
	Strategy Strategy
	// Max bounds the schedules run (0: no bound, except pct's default 200).
	Max int
	// KeepGoing explores past the first violation.
	KeepGoing bool
	// Wanted, if set, says which violations count: a run whose violated
	// guarantees it rejects is explored past as if it held (Minimize wants
	// the same failure, not any failure). Default: any violation.
	Wanted func(violated []model.Guarantee) bool
	// Progress, if set, is called after each schedule.
	Progress func(explored int)
	// Visit, if set, is called with each schedule counted, one at a time.
	Visit func(res *Result)
	// Shard, when sharded, explores only this shard's part: n shards
	// together run exactly the unsharded exploration's schedules
	// (interleave.ExploreOptions.Shard).
	Shard shard.Shard
}

// Report is what an exploration found.
type Report struct {
	*interleave.Report
	Violation *Result   // the first violating schedule, if any
	Violating []*Result // with KeepGoing: every violating schedule
}

// Explore runs schedules of sc as the strategy says, checking each, and
// stops at the first violation unless KeepGoing; with several executors, in
// parallel.
func Explore(ctx context.Context, execs []*Executor, sc model.Scenario, opts ExploreOptions) (*Report, error) {
	io := interleave.ExploreOptions{Strategy: opts.Strategy, Max: opts.Max, KeepGoing: opts.KeepGoing, Progress: opts.Progress, Shard: opts.Shard}
	if opts.Visit != nil {
		io.Visit = func(r *interleave.Result) { opts.Visit(resultOf(r)) }
	}
	if opts.Wanted != nil {
		io.Wanted = func(r *interleave.Result) bool { return opts.Wanted(resultOf(r).Verdict.Violated()) }
	}
	rep, err := interleave.Explore(ctx, engines(execs), &program{e: execs[0], sc: sc}, io)
	out := &Report{Report: rep, Violation: resultOf(rep.Violation)}
	for _, r := range rep.Violating {
		out.Violating = append(out.Violating, resultOf(r))
	}
	return out, err
}

// Outcome is what a history's clients saw — each client's calls with their
// answers, in order — and the last audit of its world: two runs with equal
// outcomes behaved the same, whatever their world ids.
func Outcome(h *histories.History) string {
	calls := map[int][]string{}
	pending := map[int]*model.Input{}
	for _, e := range h.Events {
		switch e.Type {
		case histories.Invoke:
			pending[e.Client] = e.Input
		case histories.OK:
			calls[e.Client] = append(calls[e.Client], model.DescribeCall(*pending[e.Client], e.Output))
		default:
			calls[e.Client] = append(calls[e.Client], fmt.Sprintf("%s → %s", pending[e.Client], e.Type))
		}
	}
	var b strings.Builder
	for _, c := range slices.Sorted(maps.Keys(calls)) {
		fmt.Fprintf(&b, "c%d: %s\n", c, strings.Join(calls[c], "; "))
	}
	if n := len(h.Audits); n > 0 {
		audit, _ := json.Marshal(h.Audits[n-1].Snapshot)
		b.Write(audit)
	}
	return b.String()
}
