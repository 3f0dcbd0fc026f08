package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

// maxTerms is how many calls an arithmetic spells out before it sums the
// rest; maxMismatches how many wrong answers a report lists.
const (
	maxTerms      = 8
	maxMismatches = 4
	// maxModelled: past this many calls in a world (a stress history) the
	// order they were answered in is too far from any order that explains
	// them to make a sound expectation; the broken invariants say it
	// instead (InvariantExpectations).
	maxModelled = 24
)

// ledger is one account's value as the model computes it, with the terms
// that make it up: "100 (opening)", "+ 5 (c0 deposit)".
type ledger struct {
	terms []string
	rest  int64 // the sum of the terms past maxTerms
	extra int   // how many terms rest sums
}

func (l *ledger) add(delta int64, label string) {
	if len(l.terms) >= maxTerms {
		l.rest += delta
		l.extra++
		return
	}
	sign := "+"
	if delta < 0 {
		sign, delta = "−", -delta
	}
	l.terms = append(l.terms, fmt.Sprintf("%s %d (%s)", sign, delta, label))
}

// arithmetic is "100 (opening) + 5 (c0 deposit) + 7 (c1 deposit)".
func (l *ledger) arithmetic(opening int64) string {
	s := fmt.Sprintf("%d (opening)", opening)
	if opening == 0 && len(l.terms) > 0 {
		s = strings.TrimPrefix(strings.TrimPrefix(l.terms[0], "+ "), "− ")
		if strings.HasPrefix(l.terms[0], "−") {
			s = "−" + s
		}
		return strings.Join(append([]string{s}, l.terms[1:]...), " ") + l.tail()
	}
	return strings.Join(append([]string{s}, l.terms...), " ") + l.tail()
}

func (l *ledger) tail() string {
	if l.extra == 0 {
		return ""
	}
	sign, r := "+", l.rest
	if r < 0 {
		sign, r = "−", -r
	}
	return fmt.Sprintf(" %s %d (%d more calls)", sign, r, l.extra)
}

// Expectations compares what the model says a world should hold and answer
// with what it held and answered. The model runs the calls answered ok in
// the order they were answered; calls cut off (info, never answered) are
// left out, and a value they would explain is not called broken. It returns
// one line per broken value: "u0 should be 112 = 100 (opening) + 5 (c0
// deposit) + 7 (c1 deposit), was 107", "c1's leave(u0,g0) should answer
// not_member, answered left".
func Expectations(h *histories.History, world int64) []string {
	def, ok := h.Header.Worlds[world]
	if !ok {
		return nil
	}
	var done, cut []histories.Call
	for _, c := range histories.Calls(h) {
		switch {
		case c.World != world:
		case c.End == histories.OK && c.Output != nil:
			done = append(done, c)
		case c.End == histories.Info || c.End == "":
			cut = append(cut, c)
		}
	}
	if len(done)+len(cut) > maxModelled {
		return nil
	}
	slices.SortStableFunc(done, func(a, b histories.Call) int { return cmp.Compare(a.Answered, b.Answered) })
	openings := map[string]int64{}
	for _, u := range def.Users {
		openings[u.Name] = u.Opening
	}
	books := map[string]*ledger{} // "u0" (a wallet) or "pot g0"
	book := func(name string) *ledger {
		if books[name] == nil {
			books[name] = &ledger{}
		}
		return books[name]
	}
	var out []string
	st := model.Initial(def)
	for _, c := range done {
		next, answer := st.Step(c.Input)
		label := fmt.Sprintf("c%d %s", c.Client, c.Input.Op)
		for _, u := range def.Users {
			if d := next.Wallet(u.Name) - st.Wallet(u.Name); d != 0 {
				book(u.Name).add(d, label)
			}
		}
		for _, g := range def.Groups {
			if d := next.Pot(g.Name) - st.Pot(g.Name); d != 0 {
				book("pot "+g.Name).add(d, label)
			}
		}
		if !answer.Equal(*c.Output) && len(out) < maxMismatches {
			why := ""
			if c.Input.Op == model.OpBalance && c.Input.User != "" {
				why = " = " + book(c.Input.User).arithmetic(openings[c.Input.User])
			}
			in := c.Input
			in.World = 0
			out = append(out, fmt.Sprintf("c%d's %s (line %d) should answer %s%s, answered %s", c.Client, in, c.InvokeLine, answer, why, c.Output))
		}
		st = next
	}
	audit := finalAudit(h, world)
	if audit == nil {
		return out
	}
	alt := st // the state had every call cut off taken effect after the rest
	for _, c := range cut {
		alt, _ = alt.Step(c.Input)
	}
	cutNote := ""
	if len(cut) > 0 {
		cutNote = fmt.Sprintf(" (%d call(s) cut off left out)", len(cut))
	}
	for _, u := range def.Users {
		want, got := st.Wallet(u.Name), audit.Balances[model.Account{Kind: model.Wallet, Owner: u.Name}]
		if want != got && alt.Wallet(u.Name) != got {
			out = append(out, fmt.Sprintf("%s should be %d = %s%s, was %d", u.Name, want, book(u.Name).arithmetic(u.Opening), cutNote, got))
		}
	}
	for _, g := range def.Groups {
		want, got := st.Pot(g.Name), audit.Balances[model.Account{Kind: model.Pot, Owner: g.Name}]
		if want != got && alt.Pot(g.Name) != got {
			out = append(out, fmt.Sprintf("pot %s should be %d = %s%s, was %d", g.Name, want, book("pot "+g.Name).arithmetic(0), cutNote, got))
		}
		wantM, gotM := st.Members(g.Name), slices.Sorted(slices.Values(audit.Members[g.Name]))
		if !slices.Equal(wantM, gotM) && !slices.Equal(alt.Members(g.Name), gotM) {
			out = append(out, fmt.Sprintf("%s's members should be [%s], were [%s]%s", g.Name, strings.Join(wantM, " "), strings.Join(gotM, " "), cutNote))
		}
	}
	for _, a := range sortedAccounts(audit) {
		if audit.Ledger[a] != audit.Balances[a] {
			out = append(out, fmt.Sprintf("%s's balance should equal its ledger entries, %d, was %d", a, audit.Ledger[a], audit.Balances[a]))
		}
	}
	return out
}

// finalAudit is the world's last audit a balance can be judged on: the last
// quiescent one (any, for a variant that does not lag).
func finalAudit(h *histories.History, world int64) *model.Snapshot {
	var s *model.Snapshot
	for _, a := range h.Audits {
		if a.World == world && a.Snapshot != nil && (!h.Header.Lagging || a.Quiescent != nil && *a.Quiescent) {
			s = a.Snapshot
		}
	}
	return s
}

func sortedAccounts(s *model.Snapshot) []model.Account {
	var out []model.Account
	for a := range s.Balances {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b model.Account) int { return strings.Compare(a.String(), b.String()) })
	return out
}

// InvariantExpectations says what each broken invariant of the audit that
// saw it wanted and what it found: "g0's members should list u0 once,
// listed [u0 u0]".
func InvariantExpectations(s *model.Snapshot) []string {
	var out []string
	for _, g := range s.Groups {
		m := slices.Sorted(slices.Values(s.Members[g.Name]))
		list := "[" + strings.Join(m, " ") + "]"
		for i := 1; i < len(m); i++ {
			if m[i] == m[i-1] && (i == 1 || m[i-2] != m[i]) {
				out = append(out, fmt.Sprintf("%s's members should list %s once, listed %s", g.Name, m[i], list))
			}
		}
		if len(m) > g.Capacity {
			out = append(out, fmt.Sprintf("%s should have at most %d members (its capacity), had %d: %s", g.Name, g.Capacity, len(m), list))
		}
		if pot, want := s.Balances[model.Account{Kind: model.Pot, Owner: g.Name}], g.Fee*int64(len(m)); pot != want {
			out = append(out, fmt.Sprintf("pot %s should be %d = fee %d × %d members, was %d", g.Name, want, g.Fee, len(m), pot))
		}
	}
	var total int64
	for _, a := range sortedAccounts(s) {
		total += s.Balances[a]
		if s.Balances[a] < 0 {
			out = append(out, fmt.Sprintf("%s should be at least 0, was %d", a, s.Balances[a]))
		}
		if s.Balances[a] != s.Ledger[a] {
			out = append(out, fmt.Sprintf("%s's balance should equal its ledger entries, %d, was %d", a, s.Ledger[a], s.Balances[a]))
		}
	}
	if total != s.Deposits {
		out = append(out, fmt.Sprintf("balances should add up to the deposits, %d, added up to %d", s.Deposits, total))
	}
	return out
}
