package app

import (
	"strings"
	"testing"

	"jbcheck.dev/jbcheck/harness/wire"
)

// TestAttribution: the dispatcher's rules, one by one — a batch on a
// connection a call owns is that call's; one on a new connection is the
// one free participant's; it waits while nobody is free; two free
// participants, or a batch before any call, are errors.
func TestAttribution(t *testing.T) {
	deliver := func(d *dispatcher, b *wire.Batch) {
		d.mu.Lock()
		d.parked = append(d.parked, b)
		d.assign()
		d.mu.Unlock()
	}
	got := func(p *participant) *wire.Batch {
		select {
		case b := <-p.batches:
			return b
		default:
			return nil
		}
	}
	d := newDispatcher()
	c0, _ := d.begin(0)
	first := &wire.Batch{ConnID: 1, SQL: "BEGIN"}
	deliver(d, first)
	if got(c0) != first {
		t.Fatal("the one participant in flight did not get the batch")
	}
	c1, _ := d.begin(1)
	// c0 is at its step: c1 is the one free participant.
	other := &wire.Batch{ConnID: 2, SQL: "SELECT 1"}
	deliver(d, other)
	if got(c1) != other {
		t.Fatal("the free participant did not get the batch on a new connection")
	}
	// c1 at its step, c0's step answered but its next batch early: a batch
	// on c0's connection is c0's by ownership.
	next := &wire.Batch{ConnID: 1, SQL: "COMMIT"}
	deliver(d, next)
	if got(c0) != next {
		t.Fatal("a batch on an owned connection went elsewhere")
	}
	// Both at a step: a batch on a third connection waits.
	third := &wire.Batch{ConnID: 3, SQL: "SELECT 2"}
	deliver(d, third)
	if got(c0) != nil || got(c1) != nil {
		t.Fatal("a batch nobody could have sent was handed out")
	}
	d.stepped(0)
	d.stepped(0)
	if got(c0) != third {
		t.Fatal("the waiting batch did not go to the participant that became free")
	}
	d.stepped(0)
	d.stepped(1)
	// Both free: a new connection's batch is ambiguous.
	deliver(d, &wire.Batch{ConnID: 4, SQL: "SELECT 3"})
	if err := d.failure(); err == nil || !strings.Contains(err.Error(), "cannot be attributed") {
		t.Fatalf("two candidates: %v", err)
	}

	d = newDispatcher()
	deliver(d, &wire.Batch{ConnID: 1, SQL: "SELECT now()"})
	if _, err := d.begin(0); err == nil || !strings.Contains(err.Error(), "no call in flight explains") {
		t.Fatalf("SQL before any call: %v", err)
	}
}
