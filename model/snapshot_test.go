package model

import (
	"slices"
	"testing"
)

// goodSnapshot is testWorld after u0 joined g0.
func goodSnapshot() Snapshot {
	return Snapshot{
		Groups: testWorld.Groups,
		Balances: map[Account]int64{
			{Wallet, "u0"}: 90, {Wallet, "u1"}: 5, {Pot, "g0"}: 10, {Pot, "g1"}: 0,
		},
		Ledger: map[Account]int64{
			{Wallet, "u0"}: 90, {Wallet, "u1"}: 5, {Pot, "g0"}: 10, {Pot, "g1"}: 0,
		},
		Members:  map[string][]string{"g0": {"u0"}},
		Deposits: 105,
	}
}

func TestInvariants(t *testing.T) {
	tests := []struct {
		name  string
		spoil func(*Snapshot)
		want  []Guarantee
	}{
		{"a consistent snapshot holds everything", func(*Snapshot) {}, nil},
		{"a member stored twice breaks I1", func(s *Snapshot) {
			s.Members["g1"] = []string{"u0", "u0"}
		}, []Guarantee{UniqueMembership}},
		{"too many members break I2", func(s *Snapshot) {
			s.Members["g0"] = []string{"u0", "u1"}
			s.Balances[Account{Pot, "g0"}] = 20
			s.Ledger[Account{Pot, "g0"}] = 20
			s.Balances[Account{Wallet, "u1"}] = -5
			s.Ledger[Account{Wallet, "u1"}] = -5
		}, []Guarantee{Capacity, NoOverdraft}},
		{"a lost update breaks I4 and I5", func(s *Snapshot) {
			s.Balances[Account{Wallet, "u1"}] = 4
		}, []Guarantee{Conservation, LedgerAgreement}},
		{"a double refund breaks I4 and I6", func(s *Snapshot) {
			s.Balances[Account{Wallet, "u0"}] = 100
			s.Ledger[Account{Wallet, "u0"}] = 100
			s.Members["g0"] = nil
		}, []Guarantee{Conservation, PotConsistency}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := goodSnapshot()
			tt.spoil(&s)
			var got []Guarantee
			for _, v := range Invariants(s) {
				got = append(got, v.Guarantee)
			}
			if want := tt.want; !slices.Equal(got, want) {
				t.Errorf("got %v, want %v (%v)", got, want, Invariants(s))
			}
		})
	}
}

func TestSnapshotStateMatchesTheModel(t *testing.T) {
	want, _ := run(t, join("u0", "g0"))
	if got := goodSnapshot().State(); !got.Equal(want) {
		t.Errorf("got %s, want %s", got.Describe(), want.Describe())
	}
}
