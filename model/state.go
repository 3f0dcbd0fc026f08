package model

import (
	"fmt"
	"slices"
	"strings"
)

// State is the state of one world: every wallet, every group's pot and
// members. A State is a value: Step returns a new State and never changes the
// one it was called on, which is what porcupine requires of a model.
type State struct {
	wallets []balance    // sorted by user name
	groups  []groupState // sorted by group name
}

type balance struct {
	name   string
	amount int64
}

type groupState struct {
	Group
	pot     int64
	members []string // sorted
}

// Initial is the state of w before any operation.
func Initial(w World) State {
	var s State
	for _, u := range w.Users {
		s.wallets = append(s.wallets, balance{u.Name, u.Opening})
	}
	for _, g := range w.Groups {
		s.groups = append(s.groups, groupState{Group: g})
	}
	slices.SortFunc(s.wallets, func(a, b balance) int { return strings.Compare(a.name, b.name) })
	slices.SortFunc(s.groups, func(a, b groupState) int { return strings.Compare(a.Name, b.Name) })
	return s
}

// Wallet is the balance of user's wallet (0 for an unknown user).
func (s State) Wallet(user string) int64 {
	if i := s.wallet(user); i >= 0 {
		return s.wallets[i].amount
	}
	return 0
}

// Pot is the balance of group's pot (0 for an unknown group).
func (s State) Pot(group string) int64 {
	if i := s.group(group); i >= 0 {
		return s.groups[i].pot
	}
	return 0
}

// Members is the sorted member list of group. The caller must not modify it.
func (s State) Members(group string) []string {
	if i := s.group(group); i >= 0 {
		return s.groups[i].members
	}
	return nil
}

func (s State) wallet(user string) int {
	for i := range s.wallets {
		if s.wallets[i].name == user {
			return i
		}
	}
	return -1
}

func (s State) group(name string) int {
	for i := range s.groups {
		if s.groups[i].Name == name {
			return i
		}
	}
	return -1
}

// Step applies in to s and returns the new state and the output the protocol
// must give. in must be well formed (Input.Check); a call naming an unknown
// user or group, or one that would take a balance past the int64 range (a
// bigint column, where the update fails), leaves the state unchanged and
// returns the zero Output: no history can show it succeeding.
//
// The precedence of join's checks is part of the specification: a member
// gets already_member even when the group is full, and a full group answers
// full even to a user who could not pay.
func (s State) Step(in Input) (State, Output) {
	switch in.Op {
	case OpJoin:
		g, w := s.group(in.Group), s.wallet(in.User)
		if g < 0 || w < 0 {
			return s, Output{}
		}
		grp := s.groups[g]
		switch {
		case slices.Contains(grp.members, in.User):
			return s, Output{Result: AlreadyMember}
		case len(grp.members) >= grp.Capacity:
			return s, Output{Result: Full}
		case s.wallets[w].amount < grp.Fee:
			return s, Output{Result: InsufficientFunds}
		}
		pot, ok := addMoney(grp.pot, grp.Fee)
		if !ok {
			return s, Output{}
		}
		next := s.clone()
		next.wallets[w].amount -= grp.Fee
		next.groups[g].pot = pot
		next.groups[g].members = insertSorted(grp.members, in.User)
		return next, Output{Result: Joined}
	case OpLeave:
		g, w := s.group(in.Group), s.wallet(in.User)
		if g < 0 || w < 0 {
			return s, Output{}
		}
		grp := s.groups[g]
		i := slices.Index(grp.members, in.User)
		if i < 0 {
			return s, Output{Result: NotMember}
		}
		wallet, ok := addMoney(s.wallets[w].amount, grp.Fee)
		if !ok {
			return s, Output{}
		}
		next := s.clone()
		next.wallets[w].amount = wallet
		next.groups[g].pot -= grp.Fee
		next.groups[g].members = slices.Delete(slices.Clone(grp.members), i, i+1)
		return next, Output{Result: Left}
	case OpDeposit:
		w := s.wallet(in.User)
		if w < 0 {
			return s, Output{}
		}
		wallet, ok := addMoney(s.wallets[w].amount, in.Amount)
		if !ok {
			return s, Output{}
		}
		next := s.clone()
		next.wallets[w].amount = wallet
		return next, Output{Result: OK}
	case OpTransfer:
		from, to := s.wallet(in.User), s.wallet(in.To)
		if from < 0 || to < 0 {
			return s, Output{}
		}
		if s.wallets[from].amount < in.Amount {
			return s, Output{Result: InsufficientFunds}
		}
		credited, ok := addMoney(s.wallets[to].amount, in.Amount)
		if !ok {
			return s, Output{}
		}
		next := s.clone()
		next.wallets[from].amount -= in.Amount
		next.wallets[to].amount = credited
		return next, Output{Result: OK}
	case OpBalance:
		if in.Group != "" {
			return s, Output{Amount: s.Pot(in.Group)}
		}
		return s, Output{Amount: s.Wallet(in.User)}
	case OpMembers:
		return s, Output{Members: slices.Clone(s.Members(in.Group))}
	}
	return s, Output{}
}

// clone copies the top-level slices; member lists are shared and replaced,
// never modified in place.
func (s State) clone() State {
	return State{wallets: slices.Clone(s.wallets), groups: slices.Clone(s.groups)}
}

func insertSorted(list []string, name string) []string {
	i, _ := slices.BinarySearch(list, name)
	return slices.Insert(slices.Clone(list), i, name)
}

// Equal reports whether s and t are the same state.
func (s State) Equal(t State) bool {
	return slices.Equal(s.wallets, t.wallets) &&
		slices.EqualFunc(s.groups, t.groups, func(a, b groupState) bool {
			return a.Group == b.Group && a.pot == b.pot && slices.Equal(a.members, b.members)
		})
}

// Hash is consistent with Equal: equal states have equal hashes. It is
// FNV-1a over the fields Equal compares, each string ended by a zero byte
// so that no two lists of names read alike; porcupine hashes every state
// it reaches, so it makes no string first.
func (s State) Hash() uint64 {
	h := uint64(14695981039346656037)
	addByte := func(b byte) { h = (h ^ uint64(b)) * 1099511628211 }
	addString := func(v string) {
		for i := 0; i < len(v); i++ {
			addByte(v[i])
		}
		addByte(0)
	}
	addInt := func(v int64) {
		for i := range 8 {
			addByte(byte(v >> (8 * i)))
		}
	}
	for _, w := range s.wallets {
		addString(w.name)
		addInt(w.amount)
	}
	for _, g := range s.groups {
		addString(g.Name)
		addInt(int64(g.Capacity))
		addInt(g.Fee)
		addInt(g.pot)
		addInt(int64(len(g.members)))
		for _, m := range g.members {
			addString(m)
		}
	}
	return h
}

// Describe renders s on one line, for porcupine's picture and for diffs:
//
//	u0=90 u1=50 | g0(cap 2, fee 10) pot=10 [u0]
func (s State) Describe() string {
	var b strings.Builder
	for i, w := range s.wallets {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%d", w.name, w.amount)
	}
	for _, g := range s.groups {
		fmt.Fprintf(&b, " | %s(cap %d, fee %d) pot=%d [%s]", g.Name, g.Capacity, g.Fee, g.pot, strings.Join(g.members, " "))
	}
	return b.String()
}
