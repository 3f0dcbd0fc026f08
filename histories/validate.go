package histories

import (
	"slices"
	"strings"

	"jbcheck.dev/jbcheck/model"
)

// event decodes and checks one event line (check).
func (s *Scanner) event(raw []byte) (Event, error) {
	var e Event
	if err := strictUnmarshal(raw, &e); err != nil {
		return e, s.fail("expected an event (a JSON object with \"type\": invoke, ok, fail, info, audit, barrier or fault): %v", err)
	}
	return e, s.check(&e)
}

// check checks the event of line s.n against what came before it: a
// completion needs its client's invoke, an invoke a client with nothing in
// flight, a barrier a world with nothing in flight. It numbers the event
// and gives an invoke's input its world and operation.
func (s *Scanner) check(e *Event) error {
	e.Line = s.n
	if e.Type == Fault {
		switch {
		case !slices.Contains(FaultKinds, e.Fault):
			return s.fail("fault %q: expected one of %s", e.Fault, strings.Join(FaultKinds, ", "))
		case e.Target == "":
			return s.fail("a fault needs a \"target\": \"server\" or a client such as \"c3\"")
		case e.End < e.Time:
			return s.fail("a fault that ends (%d) before it starts (%d)", e.End, e.Time)
		}
		return nil
	}
	world, known := s.header.Worlds[e.World]
	if !known {
		return s.fail("world %d is not declared in the header's \"worlds\"", e.World)
	}
	if e.Client < 0 {
		return s.fail("client %d: expected a client number ≥ 0", e.Client)
	}
	switch e.Type {
	case Invoke:
		return s.invoke(e, world)
	case OK, Fail, Info:
		return s.complete(*e)
	case Audit:
		if e.Snapshot == nil || e.Quiescent == nil {
			return s.fail("an audit needs a \"snapshot\" and \"quiescent\"")
		}
	case Barrier:
		return s.barrier(*e)
	default:
		return s.fail("unknown event type %q: expected invoke, ok, fail, info, audit, barrier or fault", e.Type)
	}
	return nil
}

func (s *Scanner) invoke(e *Event, world model.World) error {
	if open, inFlight := s.pending[e.Client]; inFlight {
		return s.fail("client %d invokes %s while its %s from line %d has not completed: expected ok, fail or info first",
			e.Client, e.Op, open.Op, open.Line)
	}
	if e.Input == nil {
		return s.fail("an invoke needs an \"input\"")
	}
	if e.Time < s.since[e.World] {
		return s.fail("invoke at time %d in world %d, before the world's barrier at time %d: a barrier comes after every call it cuts off",
			e.Time, e.World, s.since[e.World])
	}
	e.Input.World, e.Input.Op = e.World, e.Op
	if err := e.Input.Check(world); err != nil {
		return s.fail("%v", err)
	}
	if e.Op == model.OpDeposit {
		// No balance can exceed the world's money: while that fits in
		// an int64, the model's arithmetic cannot wrap around.
		if s.money[e.World] > model.MaxMoney-e.Input.Amount {
			return s.fail("deposit of %d: the deposits into world %d add up past %d, the int64 range balances are kept in: no run records this",
				e.Input.Amount, e.World, int64(model.MaxMoney))
		}
		s.money[e.World] += e.Input.Amount
	}
	s.pending[e.Client] = *e
	return nil
}

func (s *Scanner) complete(e Event) error {
	open, inFlight := s.pending[e.Client]
	switch {
	case !inFlight:
		return s.fail("%s for client %d, which has no operation in flight: expected an invoke first", e.Type, e.Client)
	case e.World != open.World || e.Op != open.Op:
		return s.fail("%s of %s in world %d completes client %d's %s in world %d (line %d)",
			e.Type, e.Op, e.World, e.Client, open.Op, open.World, open.Line)
	case e.Type == OK && e.Output == nil:
		return s.fail("an ok needs an \"output\"")
	case e.Time < open.Time:
		return s.fail("completion at time %d is before its invoke at time %d (line %d)", e.Time, open.Time, open.Line)
	}
	s.answered[e.World] = max(s.answered[e.World], e.Time)
	delete(s.pending, e.Client)
	return nil
}

// barrier checks that no call of the barrier's world is in flight and that
// every call before it was answered before it: the cut is sound only then.
func (s *Scanner) barrier(e Event) error {
	if e.Snapshot == nil {
		return s.fail("a barrier needs a \"snapshot\"")
	}
	for _, open := range s.pending {
		if open.World == e.World {
			return s.fail("barrier of world %d while client %d's %s (line %d) is in flight: a barrier cuts a world with no call in flight",
				e.World, open.Client, open.Op, open.Line)
		}
	}
	if e.Time < s.answered[e.World] {
		return s.fail("barrier of world %d at time %d, before a call of the world answered at time %d: a barrier comes after every call it cuts off",
			e.World, e.Time, s.answered[e.World])
	}
	s.since[e.World] = e.Time
	return nil
}
