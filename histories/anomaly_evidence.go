package histories

import (
	"cmp"
	"iter"
	"maps"
	"slices"
	"strings"

	"jbcheck.dev/jbcheck/model"
)

// The evidence classifyWorld reads an anomaly from: what an audit stored,
// and which calls raced.

// reads are h's audits, then its barriers (a history holding one segment
// per world ends each world with its barrier).
func (h *History) reads() []Event { return slices.Concat(h.Audits, h.Barriers) }

// lastSnapshot is the world's last audit snapshot (nil without one).
func lastSnapshot(h *History, w int64) *model.Snapshot {
	var s *model.Snapshot
	for _, a := range h.reads() {
		if a.World == w && a.Snapshot != nil {
			s = a.Snapshot
		}
	}
	return s
}

func duplicateMember(s *model.Snapshot) (user, group string) {
	if s == nil {
		return "", ""
	}
	for _, g := range s.Groups {
		m := s.Members[g.Name]
		for i := 1; i < len(m); i++ {
			if m[i] == m[i-1] {
				return m[i], g.Name
			}
		}
	}
	return "", ""
}

func overfullGroup(s *model.Snapshot) string {
	if s == nil {
		return ""
	}
	for _, g := range s.Groups {
		if len(s.Members[g.Name]) > g.Capacity {
			return g.Name
		}
	}
	return ""
}

func negativeWallet(s *model.Snapshot) string {
	if s == nil {
		return ""
	}
	for a, b := range sortedBalances(s) {
		if b < 0 {
			return a.Owner
		}
	}
	return ""
}

// lostUpdate is the user whose stored wallet balance is below what its own
// ledger entries add up to: a write that was made and then overwritten.
func lostUpdate(s *model.Snapshot) string {
	if s == nil {
		return ""
	}
	for a, b := range sortedBalances(s) {
		if a.Kind == model.Wallet && b < s.Ledger[a] {
			return a.Owner
		}
	}
	return ""
}

// doubleLeave is two overlapping leaves of one user from one group, both
// answered left, when there is such a pair.
func doubleLeave(calls []Call) []Call {
	for i, c := range calls {
		for _, d := range calls[i+1:] {
			if c.Input.Op == model.OpLeave && d.Input.Op == model.OpLeave && c.done(model.Left) && d.done(model.Left) &&
				c.Input.User == d.Input.User && c.Input.Group == d.Input.Group && c.overlaps(d) && !rejoined(calls, c, d) {
				return []Call{c, d}
			}
		}
	}
	return nil
}

// sortedBalances yields the snapshot's balances, accounts in name order.
func sortedBalances(s *model.Snapshot) iter.Seq2[model.Account, int64] {
	return func(yield func(model.Account, int64) bool) {
		accounts := slices.SortedFunc(maps.Keys(s.Balances), func(a, b model.Account) int {
			return strings.Compare(a.String(), b.String())
		})
		for _, a := range accounts {
			if !yield(a, s.Balances[a]) {
				return
			}
		}
	}
}

// excess is the joins that first took more than limit places: replaying the
// joins answered joined and the leaves answered left of group (of user in
// group, when user is set) in the order they were answered, the joins in at
// the moment one too many was, by invoke line. With none, every such join.
func excess(calls []Call, user, group string, limit int) []int {
	var ordered []Call
	for _, c := range calls {
		if c.Input.Group == group && (user == "" || c.Input.User == user) &&
			(c.Input.Op == model.OpJoin && c.done(model.Joined) || c.Input.Op == model.OpLeave && c.done(model.Left)) {
			ordered = append(ordered, c)
		}
	}
	slices.SortStableFunc(ordered, func(a, b Call) int { return cmp.Compare(a.Answered, b.Answered) })
	var in []Call // the joins whose places are taken
	var all []int
	for _, c := range ordered {
		if c.Input.Op == model.OpLeave {
			if i := slices.IndexFunc(in, func(j Call) bool { return j.Input.User == c.Input.User }); i >= 0 {
				in = slices.Delete(in, i, i+1)
			}
			continue
		}
		all = append(all, c.InvokeLine)
		in = append(in, c)
		if len(in) > limit {
			lines := make([]int, len(in))
			for i, j := range in {
				lines[i] = j.InvokeLine
			}
			return lines
		}
	}
	return all
}

// rejoined reports that there were memberships enough for both leaves: the
// user was a member when the first began (by the joins and leaves answered
// before), and a join answered joined ran while they were in flight — then
// each leave may have removed a membership of its own.
func rejoined(calls []Call, c, d Call) bool {
	span := Call{Invoked: min(c.Invoked, d.Invoked), Answered: max(c.Answered, d.Answered)}
	same := func(j Call) bool { return j.Input.User == c.Input.User && j.Input.Group == c.Input.Group }
	member, joins := 0, 0
	for _, j := range calls {
		switch {
		case !same(j):
		case j.Input.Op == model.OpJoin && j.done(model.Joined) && j.Answered < span.Invoked:
			member = 1
		case j.Input.Op == model.OpLeave && j.done(model.Left) && j.Answered < span.Invoked:
			member = 0
		case j.Input.Op == model.OpJoin && j.done(model.Joined) && j.overlaps(span):
			joins++
		}
	}
	return member+joins >= 2
}
