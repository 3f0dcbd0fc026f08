package histories

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"jbcheck.dev/jbcheck/model"
)

// The anomalies a verdict names, in the vocabulary of Jepsen and Elle
// (Adya's G2-item, Berenson's P4) where a name exists there.
const (
	DuplicateInsert   = "duplicate insert"
	WriteSkew         = "write skew (G2-item)"
	Overdraft         = "overdraft"
	LostUpdate        = "lost update (P4)"
	DoubleRefund      = "double refund"
	StaleRead         = "stale read"
	HalfDoneCall      = "half-done call"
	LostWrite         = "lost acknowledged write"
	DuplicatedWrite   = "duplicated write"
	NonSerializable   = "non-serializable outcome" // spec exploration (harness/spec)
	MoneyCreated      = "money created or destroyed"
	LedgerMismatch    = "ledger disagreement"
	PotMismatch       = "pot inconsistency"
	NonLinearizable   = "non-linearizable answer"
	maxCallsInAnomaly = 6
)

// Anomaly is what went wrong in one world, named: the name people search
// for, a one-line story, and the calls involved.
type Anomaly struct {
	Name  string   `json:"name"`
	Story string   `json:"story"`
	World int64    `json:"world"`
	Calls []string `json:"calls,omitempty"` // "c0 deposit(u0,5) → ok (line 3)"
	Lines []int    `json:"lines,omitempty"` // their invoke lines
}

// String is "lost update (P4): two read-modify-writes …".
func (a Anomaly) String() string { return a.Name + ": " + a.Story }

// Headline is the verdict in one line: the most specific anomaly, and how
// many more worlds show one. Empty when nothing is violated.
func (v Verdict) Headline() string {
	if len(v.Anomalies) == 0 {
		return ""
	}
	s := v.Anomalies[0].String()
	if n := len(v.Anomalies) - 1; n > 0 {
		names := []string{}
		for _, a := range v.Anomalies[1:] {
			if a.Name != v.Anomalies[0].Name && !slices.Contains(names, a.Name) {
				names = append(names, a.Name)
			}
		}
		s += fmt.Sprintf(" (and %d more %s", n, plural(n, "world", "worlds"))
		if len(names) > 0 {
			s += ": " + strings.Join(names, ", ")
		}
		s += ")"
	}
	return s
}

// AnomalyNames is "duplicate insert, write skew (G2-item)": every anomaly
// the verdict names, once each, the most specific first.
func (v Verdict) AnomalyNames() string {
	var names []string
	for _, a := range v.Anomalies {
		if !slices.Contains(names, a.Name) {
			names = append(names, a.Name)
		}
	}
	return strings.Join(names, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// classify names the anomaly of every world with a violation, sets each of
// its findings' Anomaly, and lists them in v.Anomalies, the most specific
// first (then by world).
func classify(h *History, v *Verdict) {
	calls := Calls(h)
	for _, w := range v.ViolatingWorlds() {
		var found []Finding
		for _, f := range v.Findings {
			if f.World == w && f.Status == Violated {
				found = append(found, f)
			}
		}
		var inWorld []Call
		for _, c := range calls {
			if c.World == w {
				inWorld = append(inWorld, c)
			}
		}
		a := classifyWorld(h, w, found, inWorld)
		a.World = w
		if len(a.Calls) > maxCallsInAnomaly {
			a.Calls = append(a.Calls[:maxCallsInAnomaly], fmt.Sprintf("… and %d more calls", len(a.Calls)-maxCallsInAnomaly))
		}
		for i := range v.Findings {
			if v.Findings[i].World == w && v.Findings[i].Status == Violated {
				v.Findings[i].Anomaly = a.Name
			}
		}
		v.Anomalies = append(v.Anomalies, a)
	}
	// The most telling first: the headline, and the world a picture draws.
	slices.SortStableFunc(v.Anomalies, func(a, b Anomaly) int {
		return cmp.Compare(slices.Index(anomalyRank, a.Name), slices.Index(anomalyRank, b.Name))
	})
}

// anomalyRank orders anomalies from the most specific to the least, as
// classifyWorld tries them.
var anomalyRank = []string{LostWrite, DuplicateInsert, WriteSkew, Overdraft, LostUpdate, DoubleRefund, HalfDoneCall,
	DuplicatedWrite, StaleRead, MoneyCreated, LedgerMismatch, PotMismatch, NonLinearizable}

// classifyWorld decides one world's anomaly from its findings, the most
// specific first: a lost acknowledged write (D), the race that broke an
// invariant (a fault may have cut a call off in the same world: the race
// still explains the invariant), a half-done call (A), then what
// linearizability alone says.
func classifyWorld(h *History, w int64, found []Finding, calls []Call) Anomaly {
	by := map[model.Guarantee]Finding{}
	for _, f := range found {
		if _, seen := by[f.Guarantee]; !seen {
			by[f.Guarantee] = f
		}
	}
	has := func(g model.Guarantee) bool { _, ok := by[g]; return ok }
	// An invariant's anomaly is read off the audit that saw it broken (a
	// mid-run one, perhaps: a later call may have hidden it again).
	snapOf := func(g model.Guarantee) *model.Snapshot {
		if f, ok := by[g]; ok && len(f.Lines) > 0 {
			for _, a := range h.reads() {
				if a.Line == f.Lines[0] && a.Snapshot != nil {
					return a.Snapshot
				}
			}
		}
		return lastSnapshot(h, w)
	}
	var a Anomaly
	pick := func(keep func(Call) bool) {
		for _, c := range calls {
			if keep(c) {
				a.Calls, a.Lines = append(a.Calls, c.String()), append(a.Lines, c.InvokeLine)
			}
		}
	}
	culprit, isCall := culpritOf(by[model.Linearizable], calls)
	switch {
	case has(model.Durability):
		a = Anomaly{Name: LostWrite, Story: "after a server crash the database no longer holds a write it had acknowledged: " + culpritText(culprit, isCall, by[model.Linearizable])}
		pick(func(c Call) bool {
			return c.done("") && !c.Input.Op.ReadOnly() || isCall && c.InvokeLine == culprit.InvokeLine
		})
	case has(model.UniqueMembership):
		user, group := duplicateMember(snapOf(model.UniqueMembership))
		a = Anomaly{Name: DuplicateInsert, Story: fmt.Sprintf("concurrent joins each checked that %s was not a member of %s, then both inserted: the membership is stored twice", user, group)}
		in := excess(calls, user, group, 1)
		pick(func(c Call) bool { return slices.Contains(in, c.InvokeLine) })
	case has(model.Capacity):
		group := overfullGroup(snapOf(model.Capacity))
		a = Anomaly{Name: WriteSkew, Story: fmt.Sprintf("capacity exceeded by concurrent joins: each saw a free place in %s (the other's absence) and inserted, so %s", group, by[model.Capacity].Detail)}
		capacity := 0
		for _, g := range h.Header.Worlds[w].Groups {
			if g.Name == group {
				capacity = g.Capacity
			}
		}
		in := excess(calls, "", group, capacity)
		pick(func(c Call) bool { return slices.Contains(in, c.InvokeLine) })
	case has(model.NoOverdraft):
		user := negativeWallet(snapOf(model.NoOverdraft))
		a = Anomaly{Name: Overdraft, Story: fmt.Sprintf("concurrent debits each saw enough money in %s's wallet and all went through: %s", user, by[model.NoOverdraft].Detail)}
		pick(func(c Call) bool { return c.done("") && !c.Input.Op.ReadOnly() && c.Input.User == user })
	case lostUpdate(snapOf(model.LedgerAgreement)) != "":
		user := lostUpdate(snapOf(model.LedgerAgreement))
		a = Anomaly{Name: LostUpdate, Story: fmt.Sprintf("two read-modify-writes of %s's balance ran concurrently; the second wrote over the first: %s", user, ledgerDetail(by))}
		writes := func(c Call) bool { return c.done("") && !c.Input.Op.ReadOnly() && c.touches(user, "") }
		raced := func(c Call) bool {
			return writes(c) && slices.ContainsFunc(calls, func(d Call) bool { return d.InvokeLine != c.InvokeLine && writes(d) && c.overlaps(d) })
		}
		if slices.ContainsFunc(calls, raced) {
			pick(raced) // the writes that ran concurrently with another
		} else {
			pick(writes)
		}
	case doubleLeave(calls) != nil && (has(model.Conservation) || has(model.PotConsistency) || isCall && culprit.Input.Op == model.OpLeave):
		pair := doubleLeave(calls)
		a = Anomaly{Name: DoubleRefund, Story: fmt.Sprintf("two concurrent leaves of %s from %s both answered left and both refunded the fee: one membership, two refunds", pair[0].Input.User, pair[0].Input.Group)}
		pick(func(c Call) bool {
			return c.InvokeLine == pair[0].InvokeLine || c.InvokeLine == pair[1].InvokeLine || c.done(model.Joined) && c.Input.User == pair[0].Input.User
		})
	case has(model.Atomicity):
		a = Anomaly{Name: HalfDoneCall, Story: "a call cut off by a fault did part of its work: " + strings.TrimPrefix(by[model.Atomicity].Detail, "half-done call: ")}
		pick(func(c Call) bool { return c.End == Info || c.End == "" || c.Retried })
	case has(model.Linearizable) && !isCall && retried(calls):
		a = Anomaly{Name: DuplicatedWrite, Story: "a call sent again after its connection was lost took effect twice: " + culpritText(culprit, isCall, by[model.Linearizable])}
		pick(func(c Call) bool { return c.Retried })
	case has(model.Linearizable) && isCall && culprit.Input.Op.ReadOnly():
		a = Anomaly{Name: StaleRead, Story: fmt.Sprintf("a real-time violation: %s returned a value older than one a call completed before it began had written", culprit.String())}
		pick(func(c Call) bool {
			return c.InvokeLine == culprit.InvokeLine || c.done("") && !c.Input.Op.ReadOnly() && c.Answered < culprit.Invoked && c.touches(culprit.Input.User, culprit.Input.Group)
		})
	case has(model.Conservation):
		a = Anomaly{Name: MoneyCreated, Story: by[model.Conservation].Detail}
	case has(model.LedgerAgreement):
		a = Anomaly{Name: LedgerMismatch, Story: by[model.LedgerAgreement].Detail}
	case has(model.PotConsistency):
		a = Anomaly{Name: PotMismatch, Story: by[model.PotConsistency].Detail}
	default:
		a = Anomaly{Name: NonLinearizable, Story: "no order of the calls explains every answer: " + culpritText(culprit, isCall, by[model.Linearizable])}
		if isCall {
			pick(func(c Call) bool { return c.InvokeLine == culprit.InvokeLine || c.overlaps(culprit) })
		}
	}
	return a
}

// culpritOf is the call an L finding names first (false when it names the
// final audit, or there is no L finding).
func culpritOf(f Finding, calls []Call) (Call, bool) {
	for _, c := range calls {
		if len(f.Lines) > 0 && c.InvokeLine == f.Lines[0] {
			return c, true
		}
	}
	return Call{}, false
}

func culpritText(c Call, isCall bool, f Finding) string {
	switch {
	case isCall:
		return c.String() + " is an answer no order of the calls gives"
	case len(f.Lines) > 0:
		return fmt.Sprintf("the final audit (line %d) read a state no order of the calls reaches", f.Lines[0])
	}
	return "no order of the calls explains every answer"
}

func ledgerDetail(by map[model.Guarantee]Finding) string {
	for _, g := range []model.Guarantee{model.LedgerAgreement, model.Conservation, model.Linearizable} {
		if f, ok := by[g]; ok {
			return f.Detail
		}
	}
	return "a deposit is missing from the balance"
}

func retried(calls []Call) bool {
	return slices.ContainsFunc(calls, func(c Call) bool { return c.Retried })
}
