package workload

import (
	"math/rand/v2"
	"slices"
	"testing"

	"jbcheck.dev/jbcheck/model"
)

// TestBurstsAreOneKindOfCallOnOneHotRow: every burst drawn is one kind
// of call of every client, well-formed, on one hot row — a transfer burst
// draws more than half of the richest wallet, so that at most one of its
// calls can be covered — and every writing operation of the mix comes up.
func TestBurstsAreOneKindOfCallOnOneHotRow(t *testing.T) {
	w, err := model.ParseWorld("users=u0:30,u1:70,u2:0 groups=g0:cap=2:fee=10,g1:cap=1:fee=5")
	if err != nil {
		t.Fatal(err)
	}
	s := model.Snapshot{
		Ledger:  map[model.Account]int64{{Kind: model.Wallet, Owner: "u0"}: 30, {Kind: model.Wallet, Owner: "u1"}: 71, {Kind: model.Wallet, Owner: "u2"}: 0},
		Members: map[string][]string{"g0": {"u2"}},
	}
	r := rand.New(rand.NewPCG(1, 2))
	kinds := map[model.Op]int{}
	for range 400 {
		calls := Burst(r, w, s, DefaultMix, 8)
		if len(calls) != 8 {
			t.Fatalf("a burst of %d calls for 8 clients: %v", len(calls), calls)
		}
		op := calls[0].Op
		kinds[op]++
		for _, in := range calls {
			if in.Op != op {
				t.Fatalf("a burst of two kinds of call: %v", calls)
			}
			if err := in.Check(w); err != nil {
				t.Fatalf("%v: %v", in, err)
			}
		}
		switch op {
		case model.OpTransfer:
			for _, in := range calls {
				if in.User != "u1" || in.Amount != 36 || in.To == "u1" {
					t.Fatalf("a transfer burst not from the richest wallet (u1, 71 in its ledger), of more than half: %v", calls)
				}
			}
		case model.OpLeave:
			if slices.ContainsFunc(calls, func(in model.Input) bool { return in != calls[0] }) || calls[0].User != "u2" || calls[0].Group != "g0" {
				t.Fatalf("a leave burst not of the one membership (u2 in g0): %v", calls)
			}
		case model.OpJoin:
			users, groups := map[string]bool{}, map[string]bool{}
			for _, in := range calls {
				users[in.User], groups[in.Group] = true, true
			}
			if len(users) > 1 && len(groups) > 1 {
				t.Fatalf("a join burst on neither one group nor one wallet: %v", calls)
			}
		case model.OpDeposit:
			if slices.ContainsFunc(calls, func(in model.Input) bool { return in.User != calls[0].User }) {
				t.Fatalf("a deposit burst into two wallets: %v", calls)
			}
		}
	}
	for _, op := range []model.Op{model.OpJoin, model.OpLeave, model.OpDeposit, model.OpTransfer} {
		if kinds[op] < 400*DefaultMix[op]/70/2 {
			t.Errorf("%d %s bursts of 400 (mix weight %d of 70: half what it gives, at least)", kinds[op], op, DefaultMix[op])
		}
	}
	if b := Burst(r, w, s, Mix{model.OpBalance: 1}, 8); b != nil {
		t.Errorf("a mix of reads only burst: %v", b)
	}
	poor := model.Snapshot{Ledger: map[model.Account]int64{}}
	if b := Burst(r, w, poor, Mix{model.OpTransfer: 1}, 8); b != nil {
		t.Errorf("a transfer burst with no money in any wallet: %v", b)
	}
}
