package workload

import (
	"math/rand/v2"

	"jbcheck.dev/jbcheck/model"
)

// Burst draws the calls of one burst in world w, whose state s was read
// just before (World left 0): every client makes the same kind of call on
// one hot row, all released at the same instant, so that their statements
// overlap inside the server. It is the race a guard written as one
// statement must win without a lock — a check and a write that two
// statements running at once each decide before the other's write exists:
//
//   - transfer: every client draws more than half of the richest wallet
//     (by its ledger, the truth even while a background worker lags), each
//     to another user: at most one can be covered (double spend, I3);
//   - join, on a hot group: the users in turn join the group with the
//     fewest free seats (the last seat taken twice, I2; one user's row
//     inserted twice, I1);
//   - join, on a hot wallet: one user joins every group in turn (a wallet
//     paying two fees it holds one of, I3);
//   - leave: every client leaves one membership (a refund paid twice, I4);
//   - deposit: every client deposits into one wallet (a lost update, I5).
//
// The kind is drawn by the weights mix gives the writing operations; nil
// when mix has none, or when the world holds nothing the kind needs (a
// transfer needs two users and money, a leave a member).
func Burst(r *rand.Rand, w model.World, s model.Snapshot, mix Mix, clients int) []model.Input {
	writes := Mix{}
	for _, op := range []model.Op{model.OpJoin, model.OpLeave, model.OpDeposit, model.OpTransfer} {
		if mix[op] > 0 {
			writes[op] = mix[op]
		}
	}
	if writes.total() == 0 || clients < 1 {
		return nil
	}
	c := roller{r}
	var call func(i int) (model.Input, bool)
	switch writes.pick(c) {
	case model.OpTransfer:
		call = hotTransfer(w, s)
	case model.OpJoin:
		if len(w.Groups) > 1 && c.choose("hot wallet", 2) == 0 {
			call = hotWalletJoin(w, w.Users[c.choose("user", len(w.Users))].Name)
		} else {
			call = hotGroupJoin(w, s)
		}
	case model.OpLeave:
		call = hotLeave(c, w, s)
	case model.OpDeposit:
		user := w.Users[c.choose("user", len(w.Users))].Name
		call = func(int) (model.Input, bool) {
			return model.Input{Op: model.OpDeposit, User: user, Amount: int64(1 + c.choose("amount", 20))}, true
		}
	}
	var out []model.Input
	for i := range clients {
		in, ok := call(i)
		if !ok {
			return nil
		}
		out = append(out, in)
	}
	return out
}

// hotTransfer: every client draws more than half of the richest wallet,
// to the other users in turn.
func hotTransfer(w model.World, s model.Snapshot) func(int) (model.Input, bool) {
	if len(w.Users) < 2 {
		return nothing
	}
	from, held := 0, int64(0)
	for i, u := range w.Users {
		if m := s.Ledger[model.Account{Kind: model.Wallet, Owner: u.Name}]; m > held {
			from, held = i, m
		}
	}
	if held <= 0 {
		return nothing
	}
	return func(i int) (model.Input, bool) {
		to := w.Users[(from+1+i%(len(w.Users)-1))%len(w.Users)].Name
		return model.Input{Op: model.OpTransfer, User: w.Users[from].Name, To: to, Amount: held/2 + 1}, true
	}
}

// hotGroupJoin: the users in turn join the group with the fewest free
// seats, of those with one (the first group when every group is full).
func hotGroupJoin(w model.World, s model.Snapshot) func(int) (model.Input, bool) {
	hot, free := w.Groups[0].Name, -1
	for _, g := range w.Groups {
		left := g.Capacity - len(s.Members[g.Name])
		if left > 0 && (free < 0 || left < free) {
			hot, free = g.Name, left
		}
	}
	return func(i int) (model.Input, bool) {
		return model.Input{Op: model.OpJoin, User: w.Users[i%len(w.Users)].Name, Group: hot}, true
	}
}

// hotWalletJoin: user joins every group in turn.
func hotWalletJoin(w model.World, user string) func(int) (model.Input, bool) {
	return func(i int) (model.Input, bool) {
		return model.Input{Op: model.OpJoin, User: user, Group: w.Groups[i%len(w.Groups)].Name}, true
	}
}

// hotLeave: every client leaves one membership, drawn; a join burst on a
// hot group when there is none.
func hotLeave(c chooser, w model.World, s model.Snapshot) func(int) (model.Input, bool) {
	var rows []model.Input
	for _, g := range w.Groups {
		for _, u := range s.Members[g.Name] {
			rows = append(rows, model.Input{Op: model.OpLeave, User: u, Group: g.Name})
		}
	}
	if len(rows) == 0 {
		return hotGroupJoin(w, s)
	}
	row := rows[c.choose("membership", len(rows))]
	return func(int) (model.Input, bool) { return row, true }
}

func nothing(int) (model.Input, bool) { return model.Input{}, false }
