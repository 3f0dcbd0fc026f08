package histories

import (
	"cmp"
	"math"
	"slices"

	"github.com/anishathalye/porcupine"

	"jbcheck.dev/jbcheck/model"
)

// opMeta ties a porcupine operation back to its history lines.
type opMeta struct {
	Client     int // the client in the history (porcupine's ClientId may differ)
	InvokeLine int
	EndLine    int  // 0 when the operation never completed
	Barrier    bool // a barrier's read of the world, which ends a segment
}

// worldOps turns one world's events, one at a time, into porcupine
// operations:
//   - ok: call and return times, output as given;
//   - fail: dropped, it certainly had no effect;
//   - info, or an invoke that never completed: the output is unknown (nil)
//     and the operation returns at infinity, since it may take effect at any
//     later time. Its client cannot be said to have waited for it, so the
//     client's later operations get a fresh porcupine client id.
type worldOps struct {
	ids  map[int]int // history client → current porcupine client id
	next int
	open map[int]Event // client → its invoke in flight
	ops  []porcupine.Operation
}

func newWorldOps() *worldOps { return &worldOps{ids: map[int]int{}, open: map[int]Event{}} }

func (b *worldOps) idOf(client int) int {
	if id, ok := b.ids[client]; ok {
		return id
	}
	b.ids[client] = b.next
	b.next++
	return b.ids[client]
}

func (b *worldOps) add(inv Event, out *model.Output, ret int64, endLine int) {
	b.ops = append(b.ops, porcupine.Operation{
		ClientId: b.idOf(inv.Client),
		Input:    *inv.Input,
		Call:     inv.Time,
		Output:   out,
		Return:   ret,
		Metadata: opMeta{Client: inv.Client, InvokeLine: inv.Line, EndLine: endLine},
	})
}

// event takes an invoke or a completion.
func (b *worldOps) event(e Event) {
	switch e.Type {
	case Invoke:
		b.open[e.Client] = e
	case OK:
		b.add(b.open[e.Client], e.Output, e.Time, e.Line)
		delete(b.open, e.Client)
	case Fail:
		delete(b.open, e.Client)
	case Info:
		b.add(b.open[e.Client], nil, math.MaxInt64, e.Line)
		delete(b.open, e.Client)
		delete(b.ids, e.Client)
	}
}

// read adds a read of the whole world: what the database stored at time
// at (an audit or a barrier, on line) must be the state the calls before
// it reach.
func (b *worldOps) read(world int64, client, line int, at int64, stored model.State, barrier bool) {
	b.ops = append(b.ops, porcupine.Operation{
		ClientId: b.next,
		Input:    model.Input{Op: model.OpAudit, World: world},
		Call:     at,
		Output:   stored,
		Return:   at,
		Metadata: opMeta{Client: client, InvokeLine: line, EndLine: line, Barrier: barrier},
	})
	b.next++
}

// unanswered adds the invokes that never completed, as info.
func (b *worldOps) unanswered() {
	open := slices.SortedFunc(func(yield func(Event) bool) {
		for _, e := range b.open {
			if !yield(e) {
				return
			}
		}
	}, func(a, b Event) int { return cmp.Compare(a.Line, b.Line) })
	for _, inv := range open {
		b.add(inv, nil, math.MaxInt64, 0)
	}
	clear(b.open)
}

// finalReads adds the audits that read a world after all of its calls: a
// quiescent audit taken after every call of its world was invoked and
// answered is a read of the whole world, so what the database stores must
// be the state some linearization of the calls reaches (a lost update with
// no read after it, or a lost acknowledged write, shows here). The audit is
// stamped just before its read (record.Recorder.Audit), so every call
// answered before the stamp is in the snapshot. Earlier audits are not
// reads for porcupine: a call in flight at the stamp may or may not be in
// their snapshot, and a point in time cannot say which; their invariants
// are checked all the same. latest is the time of the world's last event.
func (b *worldOps) finalReads(audits []Event, latest int64) {
	for _, a := range audits {
		if a.Quiescent == nil || !*a.Quiescent || a.Snapshot == nil || a.Time <= latest {
			continue
		}
		b.read(a.World, a.Client, a.Line, a.Time, a.Snapshot.State(), false)
	}
}

// operationsByWorld turns a history holding at most one segment per world
// (a barrier-free history, or a verdict's evidence) into porcupine
// operations, one slice per world (sorted by world id): its calls, then
// its closing barrier or final audits as reads.
func operationsByWorld(h *History) (worlds []int64, ops map[int64][]porcupine.Operation) {
	builders := map[int64]*worldOps{}
	latest := map[int64]int64{}
	for w := range h.Header.Worlds {
		builders[w] = newWorldOps()
		worlds = append(worlds, w)
	}
	slices.Sort(worlds)
	for _, e := range h.Events {
		builders[e.World].event(e)
		latest[e.World] = max(latest[e.World], e.Time)
	}
	ops = map[int64][]porcupine.Operation{}
	for _, w := range worlds {
		b := builders[w]
		b.unanswered()
		for _, e := range h.Barriers {
			if e.World == w {
				b.read(w, e.Client, e.Line, e.Time, e.Snapshot.State(), true)
			}
		}
		b.finalReads(inWorld(h.Audits, w), latest[w])
		if len(b.ops) > 0 {
			ops[w] = b.ops
		}
	}
	return worlds, ops
}

// inWorld is the events of world w.
func inWorld(events []Event, w int64) []Event {
	var out []Event
	for _, e := range events {
		if e.World == w {
			out = append(out, e)
		}
	}
	return out
}

// modelOf is the model of h's worlds, each starting from h's start state
// for it when it has one.
func modelOf(h *History) porcupine.Model {
	return modelFrom(h.Header.Worlds, h.starts)
}

// modelFrom is the model of worlds, where a world in starts begins in that
// state instead of its initial one.
func modelFrom(worlds map[int64]model.World, starts map[int64]model.State) porcupine.Model {
	m := model.Porcupine(worlds)
	if len(starts) == 0 {
		return m
	}
	step := m.Step
	m.Step = func(state, input, output any) (bool, any) {
		if state == nil {
			if st, ok := starts[input.(model.Input).World]; ok {
				state = st
			}
		}
		return step(state, input, output)
	}
	return m
}
