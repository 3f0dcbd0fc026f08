package workload

import (
	"fmt"

	"pgregory.net/rapid"

	"jbcheck.dev/jbcheck/model"
)

// Worlds draws small worlds — one to three users and one or two groups —
// because contention on few rows is where the bugs are. Shrinking goes toward
// one poor user and one group of capacity 0 and fee 0.
func Worlds() *rapid.Generator[model.World] {
	return rapid.Custom(func(t *rapid.T) model.World {
		var w model.World
		for i := range rapid.IntRange(1, 3).Draw(t, "users") {
			w.Users = append(w.Users, model.User{
				Name:    fmt.Sprintf("u%d", i),
				Opening: rapid.Int64Range(0, 100).Draw(t, "opening"),
			})
		}
		for i := range rapid.IntRange(1, 2).Draw(t, "groups") {
			w.Groups = append(w.Groups, model.Group{
				Name:     fmt.Sprintf("g%d", i),
				Capacity: rapid.IntRange(0, 3).Draw(t, "capacity"),
				Fee:      rapid.Int64Range(0, 40).Draw(t, "fee"),
			})
		}
		return w
	})
}

// Inputs draws well-formed calls in world w (whose World field is left 0 for
// the caller to set), every operation equally likely. Shrinking goes toward
// join, the first user and group, and amount 1.
func Inputs(w model.World) *rapid.Generator[model.Input] {
	return rapid.Custom(func(t *rapid.T) model.Input {
		return buildInput(drawer{t}, w, nil)
	})
}

// InputsOf draws well-formed calls of one operation in world w (a transfer
// in a one-user world is drawn as a deposit).
func InputsOf(w model.World, op model.Op) *rapid.Generator[model.Input] {
	return rapid.Custom(func(t *rapid.T) model.Input {
		return buildInput(drawer{t}, w, Mix{op: 1})
	})
}

// EdgeOdds sets how often an edge is drawn: each edge of a parameter (fee
// 0, capacity 1, capacity 0, opening balance 0, an amount of exactly the
// balance, one group, many groups, one user) is drawn with probability
// 1/EdgeOdds — exactly, from a seeded source (stress); from rapid, which
// favours small choices, at least about that (TestEdgesAreDrawnOften).
const EdgeOdds = 8

// edge draws whether a parameter takes one of its edges: edge k (k <
// edges) with probability 1/EdgeOdds each, none (ok false) otherwise.
// Edges are the smallest choices, so rapid shrinks toward the first.
func edge(c chooser, label string, edges int) (k int, ok bool) {
	k = c.choose(label, EdgeOdds)
	return k, k < edges
}

// Edge is edge drawn from rapid, for generators of other packages.
func Edge(t *rapid.T, label string, edges int) (k int, ok bool) { return edge(drawer{t}, label, edges) }

// WorldShape bounds the worlds buildWorld draws away from their edges.
type WorldShape struct {
	Users      [2]int  // fewest and most users (two at least when transfers need them)
	Groups     [2]int  // fewest and most groups
	Capacity   [2]int  // capacity range
	Fees       []int64 // fees to pick from
	Openings   []int64 // opening balances to pick from
	ManyGroups int     // the "many groups" edge
}

// BuildWorld draws a world of shape s from rapid, its edges included.
func BuildWorld(t *rapid.T, s WorldShape) model.World { return buildWorld(drawer{t}, s) }

// buildWorld draws a world of shape s, each parameter at one of its edges
// with probability 1/EdgeOdds per edge: one group or ManyGroups groups; a
// capacity of 1 or 0; a fee of 0; one user; an opening balance of 0, or of
// exactly the first group's fee (one join empties the wallet).
func buildWorld(c chooser, s WorldShape) model.World {
	pick := func(label string, lo, hi int) int { return lo + c.choose(label, hi-lo+1) }
	var w model.World
	groups := pick("groups", s.Groups[0], s.Groups[1])
	if k, ok := edge(c, "groups edge", 2); ok {
		groups = []int{1, s.ManyGroups}[k]
	}
	for i := range groups {
		g := model.Group{Name: fmt.Sprintf("g%d", i), Capacity: pick("capacity", s.Capacity[0], s.Capacity[1]), Fee: s.Fees[c.choose("fee", len(s.Fees))]}
		if k, ok := edge(c, "capacity edge", 2); ok {
			g.Capacity = 1 - k
		}
		if _, ok := edge(c, "fee edge", 1); ok {
			g.Fee = 0
		}
		w.Groups = append(w.Groups, g)
	}
	users := pick("users", s.Users[0], s.Users[1])
	if _, ok := edge(c, "users edge", 1); ok {
		users = s.Users[0]
	}
	for i := range users {
		u := model.User{Name: fmt.Sprintf("u%d", i), Opening: s.Openings[c.choose("opening", len(s.Openings))]}
		if k, ok := edge(c, "opening edge", 2); ok {
			u.Opening = []int64{0, w.Groups[0].Fee}[k]
		}
		w.Users = append(w.Users, u)
	}
	return w
}

// drawer draws choices from rapid, so that rapid can shrink them.
type drawer struct{ t *rapid.T }

func (d drawer) choose(label string, n int) int { return rapid.IntRange(0, n-1).Draw(d.t, label) }
