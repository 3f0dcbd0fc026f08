package interleave

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"jbcheck.dev/jbcheck/harness/shard"
)

// Strategy is how Explore picks schedules.
type Strategy struct {
	Name string // "exhaustive", "preempt" or "pct"
	K    int    // preempt: the most preemptions a schedule may have; pct: the depth (priority change points + 1)
	Seed int64  // pct
}

// ParseStrategy reads "exhaustive", "preempt=K" or "pct" / "pct=D".
func ParseStrategy(s string, seed int64) (Strategy, error) {
	name, arg, hasArg := strings.Cut(s, "=")
	st := Strategy{Name: name, Seed: seed}
	switch {
	case name == "exhaustive" && !hasArg:
		return st, nil
	case name == "preempt" || name == "pct":
		st.K = 3
		if name == "preempt" || hasArg {
			k, err := strconv.Atoi(arg)
			if err != nil || k < 0 {
				return st, fmt.Errorf("strategy %q: expected %s=N with N a whole number ≥ 0", s, name)
			}
			st.K = k
		}
		return st, nil
	}
	return st, fmt.Errorf("strategy %q: expected exhaustive, preempt=K or pct[=DEPTH]", s)
}

func (s Strategy) String() string {
	switch s.Name {
	case "preempt":
		return fmt.Sprintf("preempt=%d", s.K)
	case "pct":
		return fmt.Sprintf("pct=%d (seed %d)", s.K, s.Seed)
	}
	return s.Name
}

// ExploreOptions tune Explore.
type ExploreOptions struct {
	Strategy Strategy
	// Max bounds the schedules run (0: no bound, except pct's default 200).
	Max int
	// KeepGoing explores past the first violation.
	KeepGoing bool
	// Wanted, if set, says which failed runs count: one it rejects is
	// explored past as if it held (a minimizer wants the same failure, not
	// any failure). Default: every failed run.
	Wanted func(res *Result) bool
	// Progress, if set, is called after each schedule.
	Progress func(explored int)
	// Visit, if set, is called with each schedule counted, in the order
	// counted (one at a time).
	Visit func(res *Result)
	// Shard, when sharded, explores only this shard's part of the
	// strategy's schedules (split.go): n shards together run exactly the
	// schedules of one unsharded exploration, each counted by one shard.
	// Max then bounds each shard's own count (exhaustive, preempt) or the
	// whole run's random schedules (pct).
	Shard shard.Shard
}

// Report is what an exploration found.
type Report struct {
	Strategy Strategy
	Explored int           // schedules run
	Elapsed  time.Duration // wall time of the whole exploration
	Steps    int           // statements granted over all schedules
	// Uncounted are the schedules run but not counted: those a sharded
	// exploration runs to split the tree and leaves to their owners to
	// count, and pct's leftmost schedule, run to measure its length.
	Uncounted int
	Complete  bool // every schedule the strategy allows was run
	Outcomes  map[string]int
	Violation *Result   // the first failed schedule, if any
	Violating []*Result // with KeepGoing: every failed schedule
}

// SchedulesPerSecond is the exploration's rate.
func (r *Report) SchedulesPerSecond() float64 { return float64(r.Explored) / r.Elapsed.Seconds() }

// Explore runs schedules of p as the strategy says, judging each, and stops
// at the first failed one unless KeepGoing. With several engines (each with
// connections of its own) it explores in parallel: the schedules that first
// leave the leftmost schedule at a given point with a given choice form a
// subtree, and each subtree goes to whichever engine is free.
func Explore(ctx context.Context, engines []*Engine, p Program, opts ExploreOptions) (*Report, error) {
	ex := &exploration{opts: opts, rep: &Report{Strategy: opts.Strategy, Outcomes: map[string]int{}}}
	start := time.Now()
	var err error
	switch opts.Strategy.Name {
	case "exhaustive", "preempt":
		err = ex.depthFirst(ctx, engines, p)
	case "pct":
		err = ex.pct(ctx, engines[0], p)
	default:
		err = errors.New("unknown strategy " + opts.Strategy.Name)
	}
	ex.rep.Elapsed = time.Since(start)
	return ex.rep, err
}

// exploration is the state one Explore shares among its executors.
type exploration struct {
	opts  ExploreOptions
	mu    sync.Mutex
	rep   *Report
	stop  bool // a violation was found (without KeepGoing), Max was reached, or an error
	work  *sync.Cond
	queue [][]int // subtrees (by prefix) nobody explores yet
	busy  int     // executors exploring a subtree
	total int     // executors
}

// record counts a schedule's run and reports whether to stop.
func (ex *exploration) record(res *Result) bool {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	r := ex.rep
	r.Explored++
	r.Steps += res.Steps
	r.Outcomes[res.Outcome.Key]++
	if ex.opts.Visit != nil {
		ex.opts.Visit(res)
	}
	if ex.opts.Progress != nil {
		ex.opts.Progress(r.Explored)
	}
	if res.Outcome.Failed && (ex.opts.Wanted == nil || ex.opts.Wanted(res)) {
		if r.Violation == nil {
			r.Violation = res
		}
		if ex.opts.KeepGoing {
			r.Violating = append(r.Violating, res)
		} else {
			ex.stop = true
		}
	}
	if ex.opts.Max > 0 && r.Explored >= ex.opts.Max {
		ex.stop = true
	}
	return ex.stop
}

func (ex *exploration) stopped() bool {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	return ex.stop
}

// budget is the preemption bound (-1: none).
func (ex *exploration) budget() int {
	if ex.opts.Strategy.Name == "preempt" {
		return ex.opts.Strategy.K
	}
	return -1
}

func (ex *exploration) depthFirst(ctx context.Context, engines []*Engine, p Program) error {
	ex.rep.Complete = true // unless cut short
	ex.work = sync.NewCond(&ex.mu)
	ex.queue = [][]int{{}} // the whole tree
	if ex.opts.Shard.Sharded() {
		mine, err := ex.split(ctx, engines, p)
		if err != nil {
			ex.rep.Complete = false
			return err
		}
		ex.queue = mine
	}
	ex.busy, ex.total = len(engines), len(engines)
	var wg sync.WaitGroup
	errs := make([]error, len(engines))
	for w, e := range engines {
		wg.Go(func() {
			for {
				prefix, ok := ex.take()
				if !ok {
					return
				}
				if err := ex.subtree(ctx, e, p, prefix); err != nil {
					errs[w] = err
					ex.halt()
				}
			}
		})
	}
	wg.Wait()
	if ex.stopped() {
		ex.rep.Complete = false
	}
	return errors.Join(errs...)
}

// take waits for a subtree to explore; false when there is none left (or
// the exploration stopped).
func (ex *exploration) take() ([]int, bool) {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	ex.busy--
	for len(ex.queue) == 0 && ex.busy > 0 && !ex.stop {
		ex.work.Wait()
	}
	if len(ex.queue) == 0 || ex.stop {
		ex.work.Broadcast() // wake the others: nothing more will come
		return nil, false
	}
	prefix := ex.queue[0]
	ex.queue = ex.queue[1:]
	ex.busy++
	return prefix, true
}

func (ex *exploration) halt() {
	ex.mu.Lock()
	ex.stop = true
	ex.work.Broadcast()
	ex.mu.Unlock()
}

// idle reports whether an executor waits for work.
func (ex *exploration) idle() bool {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	return len(ex.queue) == 0 && ex.busy < ex.total
}

// subtree explores, depth first, the schedules that start with prefix,
// backtracking only at points after it. When another executor is idle, it
// gives away every alternative of its shallowest open point — the biggest
// subtrees it has left — and stops backtracking there itself: at once, in
// the middle of a schedule (donor), and again once the schedule is over.
func (ex *exploration) subtree(ctx context.Context, e *Engine, p Program, prefix []int) error {
	floor := len(prefix)
	for !ex.stopped() {
		res, err := ex.runDonating(ctx, e, p, prefix, &floor)
		if err != nil {
			return err
		}
		if ex.record(res) {
			ex.halt()
			return nil
		}
		if ex.idle() {
			floor = ex.donate(res, floor)
		}
		next, ok := ex.backtrack(res, floor)
		if !ok {
			return nil
		}
		prefix = next
	}
	return nil
}

// donate queues every alternative at the shallowest point at or after floor
// that has any, and returns the new floor below it.
func (ex *exploration) donate(res *Result, floor int) int {
	for i := floor; i < len(res.Points); i++ {
		var gifts [][]int
		for c := range ex.alternatives(res, i) {
			gifts = append(gifts, branch(res, i, c))
		}
		if len(gifts) == 0 {
			continue
		}
		ex.mu.Lock()
		ex.queue = append(ex.queue, gifts...)
		ex.work.Broadcast()
		ex.mu.Unlock()
		return i + 1
	}
	return floor
}

func (ex *exploration) run(ctx context.Context, e *Engine, p Program, prefix []int) (*Result, error) {
	choices := Replay(prefix)
	return ex.runWith(ctx, e, p, prefix, &choices)
}

// runDonating runs the schedule that starts with prefix, giving subtrees
// away as it goes whenever another executor is idle (donor).
func (ex *exploration) runDonating(ctx context.Context, e *Engine, p Program, prefix []int, floor *int) (*Result, error) {
	return ex.runWith(ctx, e, p, prefix, &donor{ex: ex, replay: Replay(prefix), floor: floor})
}

func (ex *exploration) runWith(ctx context.Context, e *Engine, p Program, prefix []int, ch Chooser) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, err := e.Run(ctx, p, ch)
	if err != nil {
		return nil, fmt.Errorf("schedule %v: %w", prefix, err)
	}
	return res, nil
}

// donor makes the choices of a subtree's schedule — its prefix, then the
// current session's — and, at each point, while another executor is idle,
// donates as donate does after a run: the points so far are the run's
// first points, whatever comes after them. Without it an exploration's
// first schedule would keep every other executor idle from its first
// point to its end, and so would each schedule whose subtree another
// executor waits for.
type donor struct {
	ex      *exploration
	replay  Replay
	partial Result // the points and choices so far
	floor   *int   // the subtree's: the shallowest point its owner still backtracks to
}

// Choose implements Chooser.
func (d *donor) Choose(p Point) int {
	c := d.replay.Choose(p)
	d.partial.Points = append(d.partial.Points, p)
	d.partial.Choices = append(d.partial.Choices, c)
	if d.ex.idle() {
		*d.floor = d.ex.donate(&d.partial, *d.floor)
	}
	return c
}

// alternatives yields the choices at point i after the one res made that are
// worth a subtree: not redundant (symmetric), not parked (sleep set), within
// the preemption budget (an audit where the current session could go on
// counts as a preemption).
func (ex *exploration) alternatives(res *Result, i int) func(yield func(int) bool) {
	return func(yield func(int) bool) {
		p := res.Points[i]
		used := 0
		for j := range i {
			if res.Points[j].CurrentEnabled && res.Choices[j] != 0 {
				used++
			}
		}
		for c := res.Choices[i] + 1; c < len(p.Options); c++ {
			if p.Redundant[c] || p.Parked[c] {
				continue
			}
			if b := ex.budget(); b >= 0 && p.CurrentEnabled && used+1 > b {
				return // every later choice is a preemption too
			}
			if !yield(c) {
				return
			}
		}
	}
}

// backtrack finds the next schedule in depth-first order: the deepest point
// at or after floor with an alternative left.
func (ex *exploration) backtrack(res *Result, floor int) ([]int, bool) {
	for i := len(res.Points) - 1; i >= floor; i-- {
		for c := range ex.alternatives(res, i) {
			return branch(res, i, c), true
		}
	}
	return nil, false
}
