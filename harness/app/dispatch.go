package app

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"jbcheck.dev/jbcheck/harness/wire"
)

// dispatcher attributes the batches the relay holds to the participants
// whose calls sent them. The engine lets one participant move at a time
// and waits until every one has settled, so:
//
//   - a batch on a connection that a call in flight owns is that call's;
//   - any other batch belongs to the one participant whose call is in
//     flight and which is not at a step (its last statement answered, its
//     next not come yet); that call owns the connection from then on,
//     until it is answered.
//
// A batch that no participant can have sent yet waits (the statement
// answered just before it may not be reported yet); one that two could
// have sent, or that comes while no call is in flight, is an error: the
// application does something the relay cannot attribute (docs/real-apps.md).
type dispatcher struct {
	mu     sync.Mutex
	parts  map[int]*participant
	owner  map[uint64]int // connection → the participant whose call owns it
	parked []*wire.Batch
	err    error
	broken chan struct{} // closed with err
}

// participant is one session's state as the dispatcher sees it.
type participant struct {
	inCall bool // its HTTP request is sent and not answered
	// steps counts the batches handed to it and not reported answered: a
	// batch on its connection may come before the step that preceded it
	// is reported (stepped), since the client reads its answer first.
	steps   int
	batches chan *wire.Batch
}

func newDispatcher() *dispatcher {
	return &dispatcher{parts: map[int]*participant{}, owner: map[uint64]int{}, broken: make(chan struct{})}
}

// run reads the relay's batches until the relay closes.
func (d *dispatcher) run(batches <-chan *wire.Batch) {
	for b := range batches {
		d.mu.Lock()
		d.parked = append(d.parked, b)
		d.assign()
		d.mu.Unlock()
	}
}

// participant returns session id's participant, made on first use.
func (d *dispatcher) participant(id int) *participant {
	p := d.parts[id]
	if p == nil {
		p = &participant{batches: make(chan *wire.Batch, 8)}
		d.parts[id] = p
	}
	return p
}

// begin marks session id's call in flight: its request is about to be sent.
func (d *dispatcher) begin(id int) (*participant, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.parked) > 0 {
		d.fail(fmt.Errorf("the service sent SQL that no call in flight explains (%s): a timer, or work done after answering? (docs/real-apps.md)", describeBatches(d.parked)))
	}
	p := d.participant(id)
	p.inCall, p.steps = true, 0
	return p, d.err
}

// stepped marks session id's batch answered.
func (d *dispatcher) stepped(id int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.parts[id].steps--
	d.assign()
}

// end marks session id's call answered: it owns no connection any more.
func (d *dispatcher) end(id int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.parts[id].inCall = false
	for conn, owner := range d.owner {
		if owner == id {
			delete(d.owner, conn)
		}
	}
	d.assign()
}

// closed forgets a connection that closed.
func (d *dispatcher) closed(conn uint64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.owner, conn)
}

// assign hands every parked batch it can attribute to its participant.
func (d *dispatcher) assign() {
	for len(d.parked) > 0 && d.err == nil {
		b := d.parked[0]
		select {
		case <-b.Closed(): // its client is gone: nothing to forward
			d.parked = d.parked[1:]
			continue
		default:
		}
		id, ok := d.owner[b.ConnID]
		if !ok || !d.parts[id].inCall {
			var free []int
			for i, p := range d.parts {
				if p.inCall && p.steps == 0 {
					free = append(free, i)
				}
			}
			switch len(free) {
			case 0:
				return // not yet: the step just answered is not reported yet
			case 1:
				id = free[0]
				d.owner[b.ConnID] = id
			default:
				slices.Sort(free)
				d.fail(fmt.Errorf("the service sent SQL (%s) on a connection no call owns while the calls of sessions %v were all in flight: it cannot be attributed (does a request use two pooled connections? docs/real-apps.md)", describeBatches([]*wire.Batch{b}), free))
				return
			}
		}
		d.parked = d.parked[1:]
		p := d.parts[id]
		p.steps++
		p.batches <- b
	}
}

// fail records the first error and wakes every participant.
func (d *dispatcher) fail(err error) {
	if d.err == nil {
		d.err = err
		close(d.broken)
	}
}

// failure is the dispatcher's error.
func (d *dispatcher) failure() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

func describeBatches(bs []*wire.Batch) string {
	var out []string
	for _, b := range bs {
		out = append(out, fmt.Sprintf("%q on connection %d", strings.Join(strings.Fields(b.SQL), " "), b.ConnID))
	}
	return strings.Join(out, ", ")
}
