package workload

import (
	"fmt"

	"pgregory.net/rapid"

	"jbcheck/model"
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
// the caller to set). Shrinking goes toward join, the first user and group,
// and amount 1. A transfer needs two users: in a one-user world it is drawn
// as a deposit instead.
func Inputs(w model.World) *rapid.Generator[model.Input] {
	users := make([]string, len(w.Users))
	for i, u := range w.Users {
		users[i] = u.Name
	}
	groups := make([]string, len(w.Groups))
	for i, g := range w.Groups {
		groups[i] = g.Name
	}
	return rapid.Custom(func(t *rapid.T) model.Input {
		in := model.Input{Op: rapid.SampledFrom(model.Ops).Draw(t, "op")}
		user := func() string { return rapid.SampledFrom(users).Draw(t, "user") }
		group := func() string { return rapid.SampledFrom(groups).Draw(t, "group") }
		amount := func() int64 { return rapid.Int64Range(1, 60).Draw(t, "amount") }
		switch in.Op {
		case model.OpJoin, model.OpLeave:
			in.User, in.Group = user(), group()
		case model.OpTransfer:
			if len(users) < 2 {
				in.Op = model.OpDeposit
				in.User, in.Amount = user(), amount()
				break
			}
			from := rapid.IntRange(0, len(users)-1).Draw(t, "from")
			to := (from + rapid.IntRange(1, len(users)-1).Draw(t, "to offset")) % len(users)
			in.User, in.To, in.Amount = users[from], users[to], amount()
		case model.OpDeposit:
			in.User, in.Amount = user(), amount()
		case model.OpBalance:
			if rapid.Bool().Draw(t, "pot") {
				in.Group = group()
			} else {
				in.User = user()
			}
		case model.OpMembers:
			in.Group = group()
		}
		return in
	})
}
