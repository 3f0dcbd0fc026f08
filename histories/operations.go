package histories

import (
	"math"
	"slices"

	"github.com/anishathalye/porcupine"

	"jbcheck.dev/jbcheck/model"
)

// opMeta ties a porcupine operation back to its history lines.
type opMeta struct {
	Client     int // the client in the history (porcupine's ClientId may differ)
	InvokeLine int
	EndLine    int // 0 when the operation never completed
}

// operationsByWorld turns the events into porcupine operations, one slice per
// world (sorted by world id):
//   - ok: call and return times, output as given;
//   - fail: dropped, it certainly had no effect;
//   - info, or an invoke that never completed: the output is unknown (nil)
//     and the operation returns at infinity, since it may take effect at any
//     later time. Its client cannot be said to have waited for it, so the
//     client's later operations get a fresh porcupine client id.
func operationsByWorld(h *History) (worlds []int64, ops map[int64][]porcupine.Operation) {
	ops = map[int64][]porcupine.Operation{}
	ids := map[int]int{} // history client → current porcupine client id
	next := 0
	idOf := func(client int) int {
		if id, ok := ids[client]; ok {
			return id
		}
		ids[client] = next
		next++
		return ids[client]
	}
	open := map[int]Event{}
	add := func(inv Event, out *model.Output, ret int64, endLine int) {
		ops[inv.World] = append(ops[inv.World], porcupine.Operation{
			ClientId: idOf(inv.Client),
			Input:    *inv.Input,
			Call:     inv.Time,
			Output:   out,
			Return:   ret,
			Metadata: opMeta{Client: inv.Client, InvokeLine: inv.Line, EndLine: endLine},
		})
	}
	for _, e := range h.Events {
		switch e.Type {
		case Invoke:
			open[e.Client] = e
		case OK:
			add(open[e.Client], e.Output, e.Time, e.Line)
			delete(open, e.Client)
		case Fail:
			delete(open, e.Client)
		case Info:
			add(open[e.Client], nil, math.MaxInt64, e.Line)
			delete(open, e.Client)
			delete(ids, e.Client)
		}
	}
	for _, inv := range open {
		add(inv, nil, math.MaxInt64, 0)
	}
	// A quiescent audit taken after every call of its world was invoked and
	// answered is a read of the whole world: what the database stores must
	// be the state some linearization of the calls reaches (a lost update
	// with no read after it, or a lost acknowledged write, shows here).
	// The audit is stamped just before its read (record.Recorder.Audit), so
	// every call answered before the stamp is in the snapshot. Earlier
	// audits are not reads for porcupine: a call in flight at the stamp may
	// or may not be in their snapshot, and a point in time cannot say which;
	// their invariants are checked all the same.
	latest := map[int64]int64{}
	for _, e := range h.Events {
		latest[e.World] = max(latest[e.World], e.Time)
	}
	for _, a := range h.Audits {
		if a.Quiescent == nil || !*a.Quiescent || a.Snapshot == nil || a.Time <= latest[a.World] {
			continue
		}
		ops[a.World] = append(ops[a.World], porcupine.Operation{
			ClientId: next,
			Input:    model.Input{Op: model.OpAudit, World: a.World},
			Call:     a.Time,
			Output:   a.Snapshot.State(),
			Return:   a.Time,
			Metadata: opMeta{Client: a.Client, InvokeLine: a.Line, EndLine: a.Line},
		})
		next++
	}
	for w := range h.Header.Worlds {
		worlds = append(worlds, w)
	}
	slices.Sort(worlds)
	return worlds, ops
}
