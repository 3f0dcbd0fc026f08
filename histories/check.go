package histories

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/anishathalye/porcupine"

	"jbcheck.dev/jbcheck/model"
)

// Status is what a verdict says of one guarantee.
type Status string

// The statuses. Unknown is never a pass: the checker timed out, or the
// evidence needed (a final audit) is missing.
const (
	Held          Status = "held"
	Violated      Status = "violated"
	Unknown       Status = "unknown"
	NotApplicable Status = "n/a"
)

// Finding is one violated or undecided guarantee in one world.
type Finding struct {
	Guarantee model.Guarantee `json:"guarantee"`
	Status    Status          `json:"status"` // Violated or Unknown
	World     int64           `json:"world"`
	Detail    string          `json:"detail"`
	Lines     []int           `json:"lines,omitempty"` // history lines of the operations involved
	// Anomaly names what went wrong in the finding's world (anomaly.go);
	// empty for an undecided guarantee.
	Anomaly string `json:"anomaly,omitempty"`
	// invoked is when an L finding's first unplaceable operation was
	// invoked (for the final audit: when it read).
	invoked int64
}

// Verdict is the outcome of checking a history.
type Verdict struct {
	Statuses   map[model.Guarantee]Status `json:"statuses"`
	Findings   []Finding                  `json:"findings,omitempty"`
	Operations int                        `json:"operations"` // operations given to the linearizability checker
	Worlds     int                        `json:"worlds"`
	// Segments counts the pieces porcupine checked: one per world, plus
	// one per barrier.
	Segments int `json:"segments"`
	// Anomalies names what went wrong in each world with a violation, the
	// most specific first.
	Anomalies []Anomaly `json:"anomalies,omitempty"`

	// infos keeps porcupine's linearization info of each world with a
	// linearizability finding, for the picture.
	infos map[int64]porcupine.LinearizationInfo
	// evidence holds the worlds' first violating segments (see checker).
	evidence *History
}

// Status is the verdict on g.
func (v Verdict) Status(g model.Guarantee) Status { return v.Statuses[g] }

// Passed reports whether every applicable guarantee held. A verdict on
// nothing (no statuses) is no pass.
func (v Verdict) Passed() bool {
	if len(v.Statuses) == 0 {
		return false
	}
	for _, s := range v.Statuses {
		if s == Violated || s == Unknown {
			return false
		}
	}
	return true
}

// Violated lists the violated guarantees in model.Guarantees order.
func (v Verdict) Violated() []model.Guarantee {
	var out []model.Guarantee
	for _, g := range model.Guarantees {
		if v.Statuses[g] == Violated {
			out = append(out, g)
		}
	}
	return out
}

// ViolatingWorlds lists the worlds with a violation, sorted.
func (v Verdict) ViolatingWorlds() []int64 {
	var out []int64
	for _, f := range v.Findings {
		if f.Status == Violated && !slices.Contains(out, f.World) {
			out = append(out, f.World)
		}
	}
	slices.Sort(out)
	return out
}

// CheckOptions tune Check.
type CheckOptions struct {
	// Timeout bounds porcupine's search in each segment of each world; a
	// segment that needs longer makes its world Unknown. Zero means 30
	// seconds.
	Timeout time.Duration
}

// invariants are the guarantees checked on audits.
var invariants = []model.Guarantee{model.UniqueMembership, model.Capacity, model.NoOverdraft,
	model.Conservation, model.LedgerAgreement, model.PotConsistency}

// needsQuiescence are the invariants about balances, which an asynchronous
// variant only keeps once its background work has caught up.
var needsQuiescence = []model.Guarantee{model.NoOverdraft, model.Conservation, model.LedgerAgreement, model.PotConsistency}

// Check checks h: linearizability of every world's operations against the
// model (porcupine), segment by segment, and I1–I6 on every world's audits
// and barriers. A history with no world at all gets every one of them
// Unknown: nothing checked is no pass.
func Check(h *History, opts CheckOptions) Verdict {
	v, _ := CheckContext(context.Background(), h, opts)
	return v
}

// CheckContext is Check until ctx ends: then it returns at once, with ctx's
// error and no verdict.
func CheckContext(ctx context.Context, h *History, opts CheckOptions) (Verdict, error) {
	c := newChecker(ctx, h.Header, withDefaults(opts))
	if h.starts != nil {
		for id, st := range h.starts {
			c.worlds[id].start = &st
		}
	}
	for _, e := range inFileOrder(h) {
		if err := c.event(e); err != nil {
			return Verdict{}, err
		}
	}
	return c.finish()
}

// inFileOrder merges h's events back into the order of its file.
func inFileOrder(h *History) []Event {
	all := slices.Concat(h.Events, h.Audits, h.Barriers, h.Faults)
	slices.SortStableFunc(all, func(a, b Event) int { return cmp.Compare(a.Line, b.Line) })
	return all
}

func withDefaults(opts CheckOptions) CheckOptions {
	if opts.Timeout == 0 {
		opts.Timeout = 30 * time.Second
	}
	return opts
}

// explainIllegal names the operation porcupine could not place: among the
// operations left out of the longest partial linearization, the one that
// returned first. Of several equally long ones, the smallest (compared as
// lists of operation indices) is taken: porcupine's search does not list
// them in the same order every time, and a counterexample must read the
// same on every check.
func explainIllegal(world int64, ops []porcupine.Operation, info porcupine.LinearizationInfo) Finding {
	var longest []int
	for _, partition := range info.PartialLinearizations() {
		for _, lin := range partition {
			if len(lin) > len(longest) || len(lin) == len(longest) && slices.Compare(lin, longest) < 0 {
				longest = lin
			}
		}
	}
	culprit := -1
	for i, op := range ops {
		if slices.Contains(longest, i) {
			continue
		}
		if culprit < 0 || op.Return < ops[culprit].Return {
			culprit = i
		}
	}
	f := Finding{Guarantee: model.Linearizable, Status: Violated, World: world}
	if culprit < 0 {
		f.Detail = fmt.Sprintf("no order of the world's %d operations explains every answer", len(ops))
		return f
	}
	op := ops[culprit]
	meta := op.Metadata.(opMeta)
	what := fmt.Sprintf("c%d's %s", meta.Client, model.DescribeOperation(op.Input, op.Output))
	switch {
	case meta.Barrier:
		what = "the barrier's " + model.DescribeOperation(op.Input, op.Output) + ", a state no order of the segment's calls reaches"
	case op.Input.(model.Input).Op == model.OpAudit:
		what = "the final " + model.DescribeOperation(op.Input, op.Output) + ", a state no order of the calls reaches"
	}
	f.invoked = op.Call
	placed := "none that can"
	switch len(longest) {
	case 0:
	case 1:
		placed = "the 1 operation that can"
	default:
		placed = fmt.Sprintf("the %d operations that can", len(longest))
	}
	f.Detail = fmt.Sprintf("no order of the world's %d operations explains every answer; the first that cannot be placed is %s (line %d), after %s",
		len(ops), what, meta.InvokeLine, placed)
	f.Lines = []int{meta.InvokeLine}
	if meta.EndLine > 0 {
		f.Lines = append(f.Lines, meta.EndLine)
	}
	return f
}
