package model

import (
	"errors"
	"math"
	"slices"
	"testing"
)

// TestStepRefusesWhatWouldOverflow: balances are int64, as in PostgreSQL's
// bigint columns, where a deposit or transfer past the range fails. The
// model gives such a call no effect and no answer, so a history that claims
// it succeeded cannot be linearized.
func TestStepRefusesWhatWouldOverflow(t *testing.T) {
	s := Initial(World{Users: []User{{"u0", 100}, {"u1", math.MaxInt64 - 10}}, Groups: []Group{{Name: "g0", Capacity: 1, Fee: 10}}})
	for _, in := range []Input{deposit("u0", math.MaxInt64), deposit("u1", 11), transfer("u0", "u1", 100)} {
		next, out := s.Step(in)
		if !out.Equal(Output{}) || !next.Equal(s) {
			t.Errorf("%s: got %v and %s, want no answer and no effect", in, out, next.Describe())
		}
	}
	if _, out := s.Step(deposit("u1", 10)); out.Result != OK {
		t.Errorf("a deposit up to the largest int64: %v, want ok", out)
	}
}

func TestWorldValidateRejectsOpeningsPastInt64(t *testing.T) {
	w := World{Users: []User{{"u0", math.MaxInt64}, {"u1", 1}}}
	if err := w.Validate(); !errors.Is(err, ErrBadWorld) {
		t.Errorf("openings adding up past int64: got %v, want ErrBadWorld", err)
	}
}

// TestInvariantsAddWithoutWrapping: balances that add up to 2^64 do not
// equal deposits of 0, and a fee times the members past int64 is no pot of 0.
func TestInvariantsAddWithoutWrapping(t *testing.T) {
	balances := map[Account]int64{{Wallet, "u0"}: math.MaxInt64, {Wallet, "u1"}: math.MaxInt64, {Wallet, "u2"}: 2}
	sum := Snapshot{Balances: balances, Ledger: balances}
	pots := map[Account]int64{{Pot, "g0"}: 0}
	pot := Snapshot{Groups: []Group{{Name: "g0", Capacity: 4, Fee: 1 << 62}}, Balances: pots, Ledger: pots,
		Members: map[string][]string{"g0": {"u0", "u1", "u2", "u3"}}}
	for _, tt := range []struct {
		name string
		s    Snapshot
		want Guarantee
	}{{"balances adding up to 2^64", sum, Conservation}, {"a pot of 0 for 4 × 2^62", pot, PotConsistency}} {
		var got []Guarantee
		for _, v := range Invariants(tt.s) {
			got = append(got, v.Guarantee)
		}
		if !slices.Equal(got, []Guarantee{tt.want}) {
			t.Errorf("%s: got %v, want %s violated", tt.name, Invariants(tt.s), tt.want)
		}
	}
}
