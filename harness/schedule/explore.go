package schedule

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
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
	// Progress, if set, is called after each schedule.
	Progress func(explored int)
}

// Report is what an exploration found.
type Report struct {
	Strategy  Strategy
	Explored  int           // schedules run
	Skipped   int           // branches not taken because they were symmetric to one taken
	Elapsed   time.Duration // wall time of the whole exploration
	Steps     int           // statements granted over all schedules
	Complete  bool          // every schedule the strategy allows was run
	Outcomes  map[string]int
	Violation *Result   // the first violating schedule, if any
	Violating []*Result // with KeepGoing: every violating schedule
}

// SchedulesPerSecond is the exploration's rate.
func (r *Report) SchedulesPerSecond() float64 { return float64(r.Explored) / r.Elapsed.Seconds() }

// Explore runs schedules of sc as the strategy says, checking each, and
// stops at the first violation unless KeepGoing.
func Explore(ctx context.Context, e *Executor, sc Scenario, opts ExploreOptions) (*Report, error) {
	rep := &Report{Strategy: opts.Strategy, Outcomes: map[string]int{}}
	start := time.Now()
	defer func() { rep.Elapsed = time.Since(start) }()
	record := func(res *Result) bool {
		rep.Explored++
		rep.Steps += res.Steps
		rep.Outcomes[res.Outcome]++
		if opts.Progress != nil {
			opts.Progress(rep.Explored)
		}
		if len(res.Verdict.Violated()) > 0 {
			if rep.Violation == nil {
				rep.Violation = res
			}
			if opts.KeepGoing {
				rep.Violating = append(rep.Violating, res)
			}
			return !opts.KeepGoing
		}
		return false
	}
	switch opts.Strategy.Name {
	case "exhaustive", "preempt":
		budget := -1
		if opts.Strategy.Name == "preempt" {
			budget = opts.Strategy.K
		}
		prefix := []int{}
		for {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			choices := Replay(prefix)
			res, err := e.Run(ctx, sc, &choices)
			if err != nil {
				return rep, fmt.Errorf("schedule %v: %w", prefix, err)
			}
			if record(res) || (opts.Max > 0 && rep.Explored >= opts.Max) {
				return rep, nil
			}
			next, skipped, ok := backtrack(res, budget)
			rep.Skipped += skipped
			if !ok {
				rep.Complete = true
				return rep, nil
			}
			prefix = next
		}
	case "pct":
		runs := opts.Max
		if runs == 0 {
			runs = 200
		}
		length := 0
		for i := range runs {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			res, err := e.Run(ctx, sc, newPCT(opts.Strategy, i, max(length, 8)))
			if err != nil {
				return rep, err
			}
			length = max(length, res.Steps)
			if record(res) {
				return rep, nil
			}
		}
		return rep, nil
	}
	return rep, errors.New("unknown strategy " + opts.Strategy.Name)
}

// backtrack finds the next schedule in depth-first order: the deepest point
// with a choice not tried yet that is not redundant and stays within the
// preemption budget (-1: none). It counts the redundant choices it passes.
func backtrack(res *Result, budget int) (next []int, skipped int, ok bool) {
	for i := len(res.Points) - 1; i >= 0; i-- {
		p := res.Points[i]
		used := 0
		for j := range i {
			if res.Points[j].CurrentEnabled && res.Choices[j] != 0 {
				used++
			}
		}
		for c := res.Choices[i] + 1; c < len(p.Options); c++ {
			if p.Redundant[c] {
				skipped++
				continue
			}
			if budget >= 0 && p.CurrentEnabled && used+1 > budget {
				break // every later choice is a preemption too
			}
			return append(append([]int{}, res.Choices[:i]...), c), skipped, true
		}
	}
	return nil, skipped, false
}

// pct is a PCT chooser (Burckhardt et al., ASPLOS 2010): clients get random
// priorities, the highest-priority client that can move runs, and at depth−1
// random steps the running client drops to the lowest priority so far.
type pct struct {
	priority map[int]float64
	changes  map[int]bool
	rng      *rand.Rand
	lowest   float64
}

func newPCT(s Strategy, run, length int) *pct {
	rng := rand.New(rand.NewPCG(uint64(s.Seed), uint64(run)))
	p := &pct{priority: map[int]float64{}, changes: map[int]bool{}, rng: rng}
	for range max(s.K-1, 0) {
		p.changes[1+rng.IntN(length)] = true
	}
	return p
}

func (p *pct) Choose(pt Point) int {
	best := 0
	for i, c := range pt.Options {
		if _, ok := p.priority[c]; !ok {
			p.priority[c] = 1 + p.rng.Float64()
		}
		if p.priority[c] > p.priority[pt.Options[best]] {
			best = i
		}
	}
	if p.changes[pt.Step] {
		p.lowest -= 1
		p.priority[pt.Options[best]] = p.lowest
	}
	return best
}
