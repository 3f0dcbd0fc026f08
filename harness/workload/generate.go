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

// drawer draws choices from rapid, so that rapid can shrink them.
type drawer struct{ t *rapid.T }

func (d drawer) choose(label string, n int) int { return rapid.IntRange(0, n-1).Draw(d.t, label) }
