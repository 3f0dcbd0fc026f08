package model

import (
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"
)

// AccountKind says whose an account is: a user's wallet or a group's pot.
type AccountKind string

// The two kinds of account.
const (
	Wallet AccountKind = "wallet"
	Pot    AccountKind = "pot"
)

// Account is a wallet or a pot of one world.
type Account struct {
	Kind  AccountKind
	Owner string
}

func (a Account) String() string { return string(a.Kind) + ":" + a.Owner }

// Snapshot is a world's stored state as an audit read it, in one consistent
// read: what the database holds, including what a correct protocol would never
// store (a membership stored twice, a negative balance).
type Snapshot struct {
	Groups   []Group             `json:"groups"`   // capacity and fee of each group, as stored
	Balances map[Account]int64   `json:"balances"` // the balance column of every account
	Ledger   map[Account]int64   `json:"ledger"`   // the sum of each account's ledger entries
	Members  map[string][]string `json:"members"`  // each group's membership rows, sorted, duplicates kept
	Deposits int64               `json:"deposits"` // the sum of every deposit ever made, opening ones included
}

// State is the model state the snapshot stands for, so that an audit can be
// compared with the model's state with Equal.
func (s Snapshot) State() State {
	var st State
	for a, amount := range s.Balances {
		if a.Kind == Wallet {
			st.wallets = append(st.wallets, balance{a.Owner, amount})
		}
	}
	for _, g := range s.Groups {
		st.groups = append(st.groups, groupState{
			Group:   g,
			pot:     s.Balances[Account{Pot, g.Name}],
			members: slices.Sorted(slices.Values(s.Members[g.Name])),
		})
	}
	slices.SortFunc(st.wallets, func(a, b balance) int { return strings.Compare(a.name, b.name) })
	slices.SortFunc(st.groups, func(a, b groupState) int { return strings.Compare(a.Name, b.Name) })
	return st
}

// Invariants checks I1–I6 on s and returns every violation, in guarantee
// order. I5 holds at every instant only for synchronous designs: for an
// asynchronous one, audit after quiescence.
func Invariants(s Snapshot) []Violation {
	var out []Violation
	add := func(g Guarantee, format string, args ...any) {
		out = append(out, Violation{g, fmt.Sprintf(format, args...)})
	}
	for _, g := range s.Groups {
		members := s.Members[g.Name]
		for i := 1; i < len(members); i++ {
			if members[i] == members[i-1] {
				add(UniqueMembership, "user %s is stored as a member of %s more than once", members[i], g.Name)
			}
		}
	}
	for _, g := range s.Groups {
		if n := len(s.Members[g.Name]); n > g.Capacity {
			add(Capacity, "group %s has %d members, capacity %d", g.Name, n, g.Capacity)
		}
	}
	accounts := slices.SortedFunc(maps.Keys(s.Balances), func(a, b Account) int {
		return strings.Compare(a.String(), b.String())
	})
	// Sums and products are exact: stored balances can add up past int64,
	// and wrapping around must not make them look right.
	total := new(big.Int)
	for _, a := range accounts {
		total.Add(total, big.NewInt(s.Balances[a]))
		if s.Balances[a] < 0 {
			add(NoOverdraft, "%s has balance %d", a, s.Balances[a])
		}
	}
	if total.Cmp(big.NewInt(s.Deposits)) != 0 {
		add(Conservation, "balances add up to %s, deposits to %d", total, s.Deposits)
	}
	for _, a := range accounts {
		if s.Balances[a] != s.Ledger[a] {
			add(LedgerAgreement, "%s has balance %d, its ledger entries add up to %d", a, s.Balances[a], s.Ledger[a])
		}
	}
	for _, g := range s.Groups {
		pot, n := s.Balances[Account{Pot, g.Name}], int64(len(s.Members[g.Name]))
		if want := new(big.Int).Mul(big.NewInt(g.Fee), big.NewInt(n)); want.Cmp(big.NewInt(pot)) != 0 {
			add(PotConsistency, "group %s has pot %d, fee %d × %d members = %s", g.Name, pot, g.Fee, n, want)
		}
	}
	return out
}

// MarshalText writes an account as "wallet:u0" or "pot:g0", which makes it
// usable as a JSON object key.
func (a Account) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText reads what MarshalText wrote.
func (a *Account) UnmarshalText(b []byte) error {
	kind, owner, ok := strings.Cut(string(b), ":")
	if !ok || (kind != string(Wallet) && kind != string(Pot)) || owner == "" {
		return fmt.Errorf("%w: account %q: expected wallet:NAME or pot:NAME", ErrBadInput, b)
	}
	*a = Account{AccountKind(kind), owner}
	return nil
}
