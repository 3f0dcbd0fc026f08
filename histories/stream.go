package histories

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/anishathalye/porcupine"

	"jbcheck.dev/jbcheck/model"
)

// checker checks a history as it streams by. Each world's calls are cut
// into segments at its barriers (docs/segments.md): a segment is checked
// by porcupine when its barrier arrives, from the state the previous
// barrier read, with the barrier's state as a final read, and then
// dropped. What it keeps is bounded by the longest segment: the current
// segment of every world, the first violating segment of each world (the
// evidence), the faults, and per-world counts.
type checker struct {
	ctx    context.Context
	opts   CheckOptions
	header Header
	worlds map[int64]*worldCheck
	faults []Event
	v      Verdict
	// audited and settled say which worlds have an audit, and a quiescent
	// one; cutOff counts each world's calls cut off by a fault.
	audited, settled map[int64]bool
	cutOff           map[int64]int
}

// worldCheck is one world's current segment and what the world's earlier
// segments left.
type worldCheck struct {
	id       int64
	start    *model.State // the previous barrier's state; nil: the initial state
	ops      *worldOps
	events   []Event // the segment's calls
	audits   []Event // the segment's audits
	latest   int64   // the time of the world's last call event
	finals   []Event // quiescent audits after every call so far: final reads
	violated bool    // an audit of this segment broke an invariant
	segments int
	failed   bool     // an L finding was made: later segments are checked, not reported
	evidence *History // the first segment with a violation
}

func newChecker(ctx context.Context, header Header, opts CheckOptions) *checker {
	c := &checker{ctx: ctx, opts: opts, header: header, worlds: map[int64]*worldCheck{},
		v:       Verdict{Statuses: map[model.Guarantee]Status{}, infos: map[int64]porcupine.LinearizationInfo{}},
		audited: map[int64]bool{}, settled: map[int64]bool{}, cutOff: map[int64]int{}}
	for id := range header.Worlds {
		c.worlds[id] = &worldCheck{id: id, ops: newWorldOps()}
	}
	return c
}

// event takes the next event of the history, in file order.
func (c *checker) event(e Event) error {
	if e.Type == Fault {
		c.faults = append(c.faults, e)
		return nil
	}
	w := c.worlds[e.World]
	switch e.Type {
	case Audit:
		c.judge(e, *e.Quiescent)
		w.audits = append(w.audits, e)
		if *e.Quiescent && e.Time > w.latest {
			w.finals = append(w.finals, e)
		}
	case Barrier:
		c.judge(e, true)
		w.ops.read(w.id, e.Client, e.Line, e.Time, e.Snapshot.State(), true)
		if err := c.close(w, &e); err != nil {
			return err
		}
		st := e.Snapshot.State()
		w.start = &st
	default:
		w.ops.event(e)
		w.events = append(w.events, e)
		w.latest = max(w.latest, e.Time)
		w.finals = slices.DeleteFunc(w.finals, func(a Event) bool { return a.Time <= e.Time })
		if e.Type == Info || e.Retried {
			c.cutOff[e.World]++
		}
	}
	return nil
}

// judge checks I1–I6 on an audit's or a barrier's snapshot.
func (c *checker) judge(a Event, quiescent bool) {
	c.audited[a.World] = true
	c.settled[a.World] = c.settled[a.World] || quiescent
	for _, viol := range model.Invariants(*a.Snapshot) {
		// A mid-run audit of a lagging variant is evidence for the
		// membership invariants only: its balances lag by design.
		if quiescent || !c.header.Lagging || !slices.Contains(needsQuiescence, viol.Guarantee) {
			c.v.Findings = append(c.v.Findings, Finding{Guarantee: viol.Guarantee, Status: Violated, World: a.World, Detail: viol.Detail, Lines: []int{a.Line}})
			c.worlds[a.World].violated = true
		}
	}
}

// close checks w's segment, ended by barrier (nil at the end of the
// history), and starts the next.
func (c *checker) close(w *worldCheck, barrier *Event) error {
	w.segments++
	c.v.Operations += len(w.ops.ops)
	var starts map[int64]model.State
	if w.start != nil {
		starts = map[int64]model.State{w.id: *w.start}
	}
	result, info, err := linearizable(c.ctx, modelFrom(c.header.Worlds, starts), w.ops.ops, c.opts.Timeout)
	if err != nil {
		return err
	}
	where := ""
	if barrier != nil || w.segments > 1 {
		where = fmt.Sprintf(" (segment %d of world %d, from %s)", w.segments, w.id, w.from())
	}
	switch {
	case result == porcupine.Illegal && !w.failed:
		w.failed = true
		c.v.infos[w.id] = info
		f := explainIllegal(w.id, w.ops.ops, info)
		f.Detail += where
		c.v.Findings = append(c.v.Findings, f)
	case result == porcupine.Unknown && !w.failed:
		w.failed = true
		c.v.Findings = append(c.v.Findings, Finding{Guarantee: model.Linearizable, Status: Unknown, World: w.id,
			Detail: fmt.Sprintf("porcupine did not finish on the %d operations of world %d%s within %v: raise the check timeout", len(w.ops.ops), w.id, where, c.opts.Timeout)})
	}
	if (result == porcupine.Illegal || w.violated) && w.evidence == nil {
		w.evidence = &History{Header: c.header, Events: w.events, Audits: w.audits}
		if barrier != nil {
			w.evidence.Barriers = []Event{*barrier}
		}
		if w.start != nil {
			w.evidence.starts = map[int64]model.State{w.id: *w.start}
		}
	}
	w.ops, w.events, w.audits, w.finals, w.violated = newWorldOps(), nil, nil, nil, false
	return nil
}

// from says where a segment starts: the initial state, or a barrier.
func (w *worldCheck) from() string {
	if w.start == nil {
		return "the initial state"
	}
	return "the previous barrier's state"
}

// finish checks every world's last segment, with its final audits as
// reads, and returns the verdict.
func (c *checker) finish() (Verdict, error) {
	ids := slices.Sorted(maps.Keys(c.worlds))
	c.v.Worlds = len(ids)
	for _, id := range ids {
		w := c.worlds[id]
		w.ops.unanswered()
		w.ops.finalReads(w.finals, w.latest)
		if err := c.close(w, nil); err != nil {
			return Verdict{}, err
		}
		c.v.Segments += w.segments
	}
	if len(ids) == 0 {
		for _, g := range append([]model.Guarantee{model.Linearizable}, invariants...) {
			c.v.Findings = append(c.v.Findings, Finding{Guarantee: g, Status: Unknown,
				Detail: "the history declares no world: there is nothing to check, and nothing checked is not a pass"})
		}
	}
	for _, id := range ids {
		if c.settled[id] {
			continue
		}
		undecided := invariants
		detail := fmt.Sprintf("world %d has no audit (was the run cut short?)", id)
		if c.audited[id] {
			undecided = needsQuiescence
			detail = fmt.Sprintf("world %d has no audit taken after the background worker caught up", id)
		}
		for _, g := range undecided {
			c.v.Findings = append(c.v.Findings, Finding{Guarantee: g, Status: Unknown, World: id, Detail: detail})
		}
	}
	for _, g := range model.Guarantees {
		c.v.Statuses[g] = Held
	}
	evidence := c.evidence()
	judgeFaults(evidence, c.cutOff, &c.v)
	for _, f := range c.v.Findings {
		if f.Status == Violated || c.v.Statuses[f.Guarantee] != Violated {
			c.v.Statuses[f.Guarantee] = f.Status
		}
	}
	classify(evidence, &c.v)
	c.v.evidence = evidence
	return c.v, nil
}

// evidence is the history of the worlds' first violating segments, with
// every fault: what the anomalies, the fault judgements and the picture
// are read from.
func (c *checker) evidence() *History {
	h := &History{Header: c.header, Faults: c.faults, starts: map[int64]model.State{}}
	for _, w := range c.worlds {
		if w.evidence == nil {
			continue
		}
		h.Events = append(h.Events, w.evidence.Events...)
		h.Audits = append(h.Audits, w.evidence.Audits...)
		h.Barriers = append(h.Barriers, w.evidence.Barriers...)
		maps.Copy(h.starts, w.evidence.starts)
	}
	for _, list := range [][]Event{h.Events, h.Audits, h.Barriers} {
		slices.SortFunc(list, func(a, b Event) int { return cmp.Compare(a.Line, b.Line) })
	}
	return h
}

// CheckScanner checks the history s reads, one event at a time, until ctx
// ends (then it returns ctx's error and no verdict). Its memory is bounded
// by the history's longest segment, not its length.
func CheckScanner(ctx context.Context, s *Scanner, opts CheckOptions) (Verdict, error) {
	c := newChecker(ctx, s.Header(), withDefaults(opts))
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return Verdict{}, ctx.Err()
		}
		e, ok, err := s.Next()
		if err != nil {
			return Verdict{}, err
		}
		if !ok {
			break
		}
		if err := c.event(e); err != nil {
			return Verdict{}, err
		}
	}
	return c.finish()
}
