package model_test

import (
	"testing"

	"pgregory.net/rapid"

	"jbcheck.dev/jbcheck/harness/workload"
	"jbcheck.dev/jbcheck/model"
)

// TestPropertyTheModelKeepsItsOwnInvariants: whatever calls the model
// steps through, its state keeps the invariants it asks of the real
// database — no member twice, no group over capacity, no negative balance,
// money conserved, every pot fee × members — and Step never changes the
// state it was called on.
func TestPropertyTheModelKeepsItsOwnInvariants(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := workload.Worlds().Draw(t, "world")
		s := model.Initial(w)
		deposits := w.Deposits()
		for _, in := range rapid.SliceOfN(workload.Inputs(w), 1, 40).Draw(t, "calls") {
			before := s.Describe()
			next, _ := s.Step(in)
			if s.Describe() != before {
				t.Fatalf("%v changed the state it was called on", in)
			}
			s = next
			if in.Op == model.OpDeposit {
				deposits += in.Amount
			}
			var total int64
			for _, u := range w.Users {
				if s.Wallet(u.Name) < 0 {
					t.Fatalf("after %v: %s has %d", in, u.Name, s.Wallet(u.Name))
				}
				total += s.Wallet(u.Name)
			}
			for _, g := range w.Groups {
				members := s.Members(g.Name)
				for i := 1; i < len(members); i++ {
					if members[i] == members[i-1] {
						t.Fatalf("after %v: %s twice in %s", in, members[i], g.Name)
					}
				}
				if len(members) > g.Capacity || s.Pot(g.Name) != g.Fee*int64(len(members)) {
					t.Fatalf("after %v: %s has %d members (capacity %d) and pot %d", in, g.Name, len(members), g.Capacity, s.Pot(g.Name))
				}
				total += s.Pot(g.Name)
			}
			if total != deposits {
				t.Fatalf("after %v: %d in accounts, %d deposited", in, total, deposits)
			}
		}
	})
}
