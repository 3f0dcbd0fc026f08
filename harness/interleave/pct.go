package interleave

import (
	"context"
	"math/rand/v2"
)

// pct runs the strategy's random schedules, Max of them (default 200):
// schedule i draws from a generator seeded with (seed, i) alone, so that a
// shard runs the indexes it owns and n shards together run exactly the
// schedules of one unsharded run. The change points are spread over the
// leftmost schedule's length, run first to measure it (and not counted:
// every shard runs it alike).
func (ex *exploration) pct(ctx context.Context, e *Engine, p Program) error {
	runs := ex.opts.Max
	if runs == 0 {
		runs = 200
	}
	leftmost := Replay(nil)
	first, err := e.Run(ctx, p, &leftmost)
	if err != nil {
		return err
	}
	ex.uncounted()
	length := max(first.Steps, 8)
	for i := range runs {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !ex.opts.Shard.Owns(i) {
			continue
		}
		res, err := e.Run(ctx, p, newPCT(ex.opts.Strategy, i, length))
		if err != nil {
			return err
		}
		if ex.record(res) {
			return nil
		}
	}
	return nil
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
