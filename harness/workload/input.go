package workload

import "jbcheck.dev/jbcheck/model"

// chooser makes the choices that build a call: from rapid in properties
// (shrinkable), from a seeded source in stress runs. Choice 0 is always the
// simplest, which is what rapid shrinks toward.
type chooser interface {
	choose(label string, n int) int // a number in [0, n)
}

// buildInput builds a well-formed call in w (World left 0). With a nil mix
// every operation is equally likely. A transfer in a one-user world becomes
// a deposit.
//
// A deposit or transfer is of exactly the opening balance with
// probability 1/EdgeOdds (an edge). Transfers are about as large as an
// opening balance, so that two of them
// often cannot both be covered: that is where overdrafts hide. Deposits are
// small: they are the only way money enters a world, and a world grown rich
// hides every overdraft race.
func buildInput(c chooser, w model.World, mix Mix) model.Input {
	user := func() string { return w.Users[c.choose("user", len(w.Users))].Name }
	group := func() string { return w.Groups[c.choose("group", len(w.Groups))].Name }
	amount := func(most int) int64 { return int64(1 + c.choose("amount", most)) }
	in := model.Input{}
	if mix == nil {
		in.Op = model.Ops[c.choose("op", len(model.Ops))]
	} else {
		in.Op = mix.pick(c)
	}
	if in.Op == model.OpTransfer && len(w.Users) < 2 {
		in.Op = model.OpDeposit
	}
	switch in.Op {
	case model.OpJoin, model.OpLeave:
		in.User, in.Group = user(), group()
	case model.OpDeposit:
		in.User = user()
		in.Amount = orOpening(c, w, in.User, amount(20))
	case model.OpTransfer:
		from := c.choose("from", len(w.Users))
		to := (from + 1 + c.choose("to", len(w.Users)-1)) % len(w.Users)
		in.User, in.To = w.Users[from].Name, w.Users[to].Name
		in.Amount = orOpening(c, w, in.User, amount(80))
	case model.OpBalance:
		if c.choose("pot", 3) == 0 {
			in.Group = group()
		} else {
			in.User = user()
		}
	case model.OpMembers:
		in.Group = group()
	}
	return in
}

// orOpening is amount, or — the edge, with probability 1/EdgeOdds —
// exactly user's opening balance (all a fresh wallet holds), when it has
// one.
func orOpening(c chooser, w model.World, user string, amount int64) int64 {
	if _, ok := edge(c, "amount edge", 1); ok && w.Opening(user) > 0 {
		return w.Opening(user)
	}
	return amount
}
