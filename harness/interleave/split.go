package interleave

import (
	"cmp"
	"context"
	"errors"
	"math"
	"slices"
	"sync"
)

// splitFactor: a sharded exploration splits the tree into at least
// splitFactor subtrees per shard, so that shards dealt subtrees of uneven
// sizes still get similar shares of the work; splitBatch subtrees are
// opened at a time (on every lane at once), a number that must not depend
// on the lanes, or the split would.
const (
	splitFactor = 16
	splitBatch  = 4
)

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
// split deals that tree out among the shards, the same way in every one.
// It keeps a frontier of subtrees not yet opened, starting with the whole
// tree, and opens the biggest first — by their weight, the points left
// after the one they branch at, since a subtree's size grows with its
// depth — splitBatch at a time, running their schedules to find their
// children, until the frontier holds at least splitFactor·n subtrees (or
// none: the tree ended). The k-th subtree opened belongs to the shard that
// Owns(k): every shard runs its schedule, its owner alone counts it. The
// frontier's subtrees, heaviest first, are then dealt the same way, each
// to be explored whole, depth first, by its owner. Ties in weight go by
// the order the subtrees were found. It returns this shard's subtrees.
func (ex *exploration) split(ctx context.Context, engines []*Engine, p Program) ([][]int, error) {
	sh := ex.opts.Shard
	frontier := []subtree{{prefix: []int{}, weight: math.MaxInt}}
	found, opened := 1, 0
	for len(frontier) > 0 && len(frontier) < splitFactor*sh.N {
		heaviestFirst(frontier)
		batch := frontier[:min(splitBatch, len(frontier))]
		frontier = frontier[len(batch):]
		prefixes := make([][]int, len(batch))
		for j, t := range batch {
			prefixes[j] = t.prefix
		}
		results, err := ex.runAll(ctx, engines, p, prefixes)
		if err != nil {
			return nil, err
		}
		for j, res := range results {
			if !sh.Owns(opened) {
				ex.uncounted()
			} else if ex.record(res) {
				return nil, nil // stopped: a violation, or this shard's Max
			}
			opened++
			for i := len(prefixes[j]); i < len(res.Points); i++ {
				for c := range ex.alternatives(res, i) {
					frontier = append(frontier, subtree{prefix: branch(res, i, c), weight: len(res.Points) - i - 1, order: found})
					found++
				}
			}
		}
	}
	heaviestFirst(frontier)
	var mine [][]int
	for j, t := range frontier {
		if sh.Owns(j) {
			mine = append(mine, t.prefix)
		}
	}
	return mine, nil
}

func (ex *exploration) uncounted() {
	ex.mu.Lock()
	ex.rep.Uncounted++
	ex.mu.Unlock()
}

// subtree is a subtree of the frontier: its prefix, its weight (the points
// left after the one it branches at) and the order it was found in.
type subtree struct {
	prefix        []int
	weight, order int
}

func heaviestFirst(ts []subtree) {
	slices.SortFunc(ts, func(a, b subtree) int {
		if a.weight != b.weight {
			return cmp.Compare(b.weight, a.weight)
		}
		return cmp.Compare(a.order, b.order)
	})
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
