package interleave

import (
	"context"
	"errors"
	"sync"
)

// splitFactor: a sharded exploration splits the tree into at least
// splitFactor subtrees per shard, so that shards dealt subtrees of uneven
// sizes still get similar shares of the work.
const splitFactor = 8

// The tree of a depth-first exploration is one of subtrees: a subtree is
// a prefix of choices, its schedule is the prefix run with the current
// session kept running after it, and its children are the alternatives
// (alternatives) at every point of that schedule after the prefix. Every
// schedule the strategy allows is exactly one subtree's. Which
// alternatives a point has — the sleep set (Parked), the symmetric options
// (Redundant), the preemptions used — is computed inside the run from its
// own choices alone, so a subtree is the same whichever process explores
// it, and from whichever route: sharding changes who runs a schedule,
// never which schedules there are.
//
// split deals that tree out among the shards, the same way in every one:
// it enumerates subtrees breadth first, level by level, running each
// level's schedules to find the next level, until a level has at least
// splitFactor·n subtrees (or none: the tree ended). Subtrees are numbered
// in breadth-first order, 0 for the whole tree; the k-th belongs to the
// shard that Owns(k). A level above the last is run by every shard — each
// needs its schedules to find the next — but each of those schedules is
// counted by its owner alone; the last level's subtrees go to their owners
// whole. It returns this shard's subtrees, to explore depth first.
func (ex *exploration) split(ctx context.Context, engines []*Engine, p Program) ([][]int, error) {
	sh := ex.opts.Shard
	level := [][]int{{}}
	k := 0 // the number of the level's first subtree
	for len(level) > 0 && len(level) < splitFactor*sh.N {
		results, err := ex.runAll(ctx, engines, p, level)
		if err != nil {
			return nil, err
		}
		var next [][]int
		for j, res := range results {
			if sh.Owns(k+j) && ex.record(res) {
				return nil, nil // stopped: a violation, or this shard's Max
			}
			next = append(next, ex.children(res, len(level[j]))...)
		}
		k += len(level)
		level = next
	}
	var mine [][]int
	for j, prefix := range level {
		if sh.Owns(k + j) {
			mine = append(mine, prefix)
		}
	}
	return mine, nil
}

// children are the subtrees below the schedule res of the subtree whose
// prefix has length floor: every alternative at every later point, in
// order of point, then of choice.
func (ex *exploration) children(res *Result, floor int) [][]int {
	var out [][]int
	for i := floor; i < len(res.Points); i++ {
		for c := range ex.alternatives(res, i) {
			out = append(out, branch(res, i, c))
		}
	}
	return out
}

// branch is the prefix that leaves res's schedule at point i with choice c.
func branch(res *Result, i, c int) []int {
	return append(append([]int{}, res.Choices[:i]...), c)
}

// runAll runs the schedules of the prefixes, on every engine at once, and
// returns their results in the prefixes' order.
func (ex *exploration) runAll(ctx context.Context, engines []*Engine, p Program, prefixes [][]int) ([]*Result, error) {
	results := make([]*Result, len(prefixes))
	errs := make([]error, len(engines))
	next := make(chan int, len(prefixes))
	for j := range prefixes {
		next <- j
	}
	close(next)
	var wg sync.WaitGroup
	for w, e := range engines {
		wg.Go(func() {
			for j := range next {
				if errs[w] != nil {
					continue
				}
				results[j], errs[w] = ex.run(ctx, e, p, prefixes[j])
			}
		})
	}
	wg.Wait()
	return results, errors.Join(errs...)
}
