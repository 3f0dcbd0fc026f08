package histories

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/anishathalye/porcupine"

	"jbcheck.dev/jbcheck/model"
)

// judgeFaults decides durability (D) and atomicity (A), which only faults
// can test. Without a fault in the history both are not applicable. With
// one, A applies; with a crash, D applies too. A call a fault cut off is
// recorded as info — it may or may not have happened, and porcupine lets it
// be either — so what remains unexplained is a finding:
//
//   - A, a half-done call: in a world where a call was cut off (info, or
//     sent again after its connection was lost), an invariant is broken — the call did part of its work (a member who
//     never paid, money debited and never credited).
//   - D, a lost acknowledged write: an operation that began after a crash —
//     a read, the final audit — saw a state no order of the calls reaches,
//     while every invariant holds, and the world's calls do linearize once
//     the writes acknowledged before the crash may not have happened: the
//     books agree with themselves but miss something a client was told had
//     happened (a write applied twice is no lost write).
//
// The embedded cluster runs with fsync off: a server crash is modelled (the
// processes die, the operating system keeps what they wrote), an operating
// system crash is not.
//
// h is the evidence: each violating world's first violating segment, and
// every fault; cutOff counts each world's calls cut off.
func judgeFaults(h *History, cutOff map[int64]int, v *Verdict) {
	v.Statuses[model.Durability], v.Statuses[model.Atomicity] = NotApplicable, NotApplicable
	if len(h.Faults) == 0 {
		return
	}
	v.Statuses[model.Atomicity] = Held
	crashed, firstCrash := false, int64(0)
	for _, e := range h.Faults {
		if e.Fault == "crash" && !crashed {
			crashed, firstCrash = true, e.Time
		}
	}
	if crashed {
		v.Statuses[model.Durability] = Held
	}
	broken := map[int64][]Finding{} // invariant violations, per world
	for _, f := range v.Findings {
		if f.Status == Violated && f.Guarantee != model.Linearizable {
			broken[f.World] = append(broken[f.World], f)
		}
	}
	judged := map[int64]bool{}
	for _, f := range slices.Clone(v.Findings) {
		if f.Status != Violated || judged[f.World] {
			continue
		}
		switch {
		case cutOff[f.World] > 0 && len(broken[f.World]) > 0:
			b := broken[f.World][0]
			v.Findings = append(v.Findings, Finding{Guarantee: model.Atomicity, Status: Violated, World: f.World, Lines: b.Lines,
				Detail: fmt.Sprintf("half-done call: %d call(s) of world %d were cut off by a fault, and world %d is left with %s broken: %s",
					cutOff[f.World], f.World, f.World, b.Guarantee, b.Detail)})
			judged[f.World] = true
		case crashed && f.Guarantee == model.Linearizable && f.invoked >= firstCrash && len(broken[f.World]) == 0 &&
			lostExplains(h, f.World, firstCrash):
			v.Findings = append(v.Findings, Finding{Guarantee: model.Durability, Status: Violated, World: f.World, Lines: f.Lines,
				Detail: "lost acknowledged write: after the crash, " + f.Detail})
			judged[f.World] = true
		}
	}
}

// lostExplains reports whether world's calls linearize when every write
// acknowledged before the crash at crash is taken as maybe lost: then a
// lost acknowledged write explains the violation. A search that does not
// finish within a second (a long stress world) counts as explained.
func lostExplains(h *History, world int64, crash int64) bool {
	_, byWorld := operationsByWorld(h)
	ops := slices.Clone(byWorld[world])
	for i, op := range ops {
		in := op.Input.(model.Input)
		if in.Op != model.OpAudit && !in.Op.ReadOnly() && op.Output != nil && op.Return <= crash {
			ops[i].Output, ops[i].Return = (*model.Output)(nil), math.MaxInt64
		}
	}
	// Many maybe-lost writes make the search wide: a second decides, and
	// undecided counts as explained (the coarser rule: a state no order
	// reaches after a crash, the books agreeing).
	result, _ := porcupine.CheckOperationsVerbose(modelOf(h), ops, time.Second)
	return result != porcupine.Illegal
}
