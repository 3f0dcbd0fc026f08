package model

import (
	"fmt"
	"slices"
)

// World describes a world before any operation: its users with their opening
// deposits and its groups with capacity and joining fee. Names are unique
// within a world, and a user and a group never share a name.
type World struct {
	Users  []User  `json:"users"`
	Groups []Group `json:"groups"`
}

// User is a member of a world with an opening wallet balance.
type User struct {
	Name    string `json:"name"`
	Opening int64  `json:"opening"`
}

// Group is a group of a world: at most Capacity members, each paying Fee into
// the group's pot when joining and getting it back when leaving.
type Group struct {
	Name     string `json:"name"`
	Capacity int    `json:"capacity"`
	Fee      int64  `json:"fee"`
}

// Validate reports the first problem that makes w unusable, or nil.
func (w World) Validate() error {
	seen := map[string]bool{}
	var money int64
	for _, u := range w.Users {
		if u.Name == "" || seen[u.Name] {
			return fmt.Errorf("%w: user name %q is empty or used twice", ErrBadWorld, u.Name)
		}
		if u.Opening < 0 {
			return fmt.Errorf("%w: user %s has a negative opening balance %d", ErrBadWorld, u.Name, u.Opening)
		}
		var ok bool
		if money, ok = addMoney(money, u.Opening); !ok {
			return fmt.Errorf("%w: the opening balances add up past %d, the int64 range balances are kept in", ErrBadWorld, int64(MaxMoney))
		}
		seen[u.Name] = true
	}
	for _, g := range w.Groups {
		if g.Name == "" || seen[g.Name] {
			return fmt.Errorf("%w: group name %q is empty or used twice", ErrBadWorld, g.Name)
		}
		if g.Capacity < 0 || g.Fee < 0 {
			return fmt.Errorf("%w: group %s has a negative capacity or fee", ErrBadWorld, g.Name)
		}
		seen[g.Name] = true
	}
	return nil
}

// HasUser reports whether name is a user of w.
func (w World) HasUser(name string) bool {
	return slices.ContainsFunc(w.Users, func(u User) bool { return u.Name == name })
}

// Opening is user's opening balance in w, 0 for a user w does not have.
func (w World) Opening(user string) int64 {
	for _, u := range w.Users {
		if u.Name == user {
			return u.Opening
		}
	}
	return 0
}

// HasGroup reports whether name is a group of w.
func (w World) HasGroup(name string) bool {
	return slices.ContainsFunc(w.Groups, func(g Group) bool { return g.Name == name })
}

// Deposits is the sum of the opening deposits of w (in the int64 range when
// w is valid).
func (w World) Deposits() int64 {
	var sum int64
	for _, u := range w.Users {
		sum += u.Opening
	}
	return sum
}
