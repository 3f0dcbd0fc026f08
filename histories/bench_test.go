package histories

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"jbcheck.dev/jbcheck/harness/workload"
	"jbcheck.dev/jbcheck/model"
)

// synthetic builds a linearizable history of n operations by clients
// clients over worlds worlds: operations are placed one after another at
// their linearization points, each given the model's answer and an interval
// around that point that overlaps its neighbours', one operation at a time
// per client, as a busy stress run looks.
func synthetic(n, clients, worlds int) *History {
	r := rand.New(rand.NewPCG(1, 2))
	h := &History{Header: Header{Format: Format, Version: Version, Mode: ModeStress, Worlds: map[int64]model.World{}}}
	states := map[int64]model.State{}
	for w := int64(1); w <= int64(worlds); w++ {
		h.Header.Worlds[w] = workload.RandomWorld(r)
		states[w] = model.Initial(h.Header.Worlds[w])
	}
	free := make([]int64, clients) // the time from which each client is idle
	var events []Event
	var point int64
	for range n {
		c := r.IntN(clients)
		point = max(point+10, free[c]+1)
		w := int64(1 + r.IntN(worlds))
		in := workload.RandomInput(r, h.Header.Worlds[w], workload.DefaultMix)
		in.World = w
		var out model.Output
		states[w], out = states[w].Step(in)
		call, ret := point-int64(r.IntN(30)), point+int64(r.IntN(30))
		if call < free[c] {
			call = free[c]
		}
		free[c] = ret + 1
		events = append(events,
			Event{Type: Invoke, Client: c, World: w, Op: in.Op, Input: &in, Time: call},
			Event{Type: OK, Client: c, World: w, Op: in.Op, Output: &out, Time: ret})
	}
	// File order is time order; the stable sort keeps an invoke before its
	// completion when they share a time.
	slices.SortStableFunc(events, func(a, b Event) int { return cmp.Compare(a.Time, b.Time) })
	for i := range events {
		events[i].Line = i + 2
	}
	h.Events = events
	return h
}

// BenchmarkCheck measures porcupine plus the checker's bookkeeping on
// synthetic linearizable histories (no audits: only linearizability).
func BenchmarkCheck(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		h := synthetic(n, 8, 50)
		b.Run(fmt.Sprintf("ops=%d", n), func(b *testing.B) {
			for b.Loop() {
				v := Check(h, CheckOptions{})
				if v.Status(model.Linearizable) != Held {
					b.Fatalf("synthetic history not linearizable: %+v", v.Findings)
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds()*float64(b.N), "ops/s")
		})
	}
}
