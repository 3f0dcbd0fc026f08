package interleave_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"jbcheck.dev/jbcheck/harness/interleave"
)

// order is a Director that grants sessions in a fixed order, waiting while
// the next one is blocked — as isolationtester waits for a session whose
// step is still running before it sends the session's next step.
type order struct {
	next   []int
	points []interleave.Point
	waits  int
}

func (o *order) Choose(p interleave.Point) int { return o.Direct(p) }

func (o *order) Direct(p interleave.Point) int {
	o.points = append(o.points, p)
	if len(o.next) == 0 {
		return interleave.Wait
	}
	i := slices.Index(p.Options, o.next[0])
	if i < 0 {
		o.waits++
		return interleave.Wait
	}
	o.next = o.next[1:]
	return i
}

// TestDirectorWaitsForABlockedSessionAsASpecPermutationDoes: the Director
// is asked at every settled point — where one session alone can move, and
// where none can — and its Wait lets the server end a blocked statement
// (here its lock_timeout) before the blocked session's next statement goes
// out, as an isolation spec's permutation needs (harness/spec).
func TestDirectorWaitsForABlockedSessionAsASpecPermutationDoes(t *testing.T) {
	e := engine(t, interleave.Config{StuckTimeout: 20 * time.Second})
	p := &sqlProgram{setup: table, sessions: [][]string{
		{"BEGIN", "LOCK TABLE t IN ACCESS EXCLUSIVE MODE", "COMMIT"},
		{"SET lock_timeout = '1s'", "SELECT v FROM t WHERE id = 1", "SELECT 1"},
	}}
	d := &order{next: []int{0, 0, 1, 1, 1, 0}}
	res, err := e.Run(context.Background(), p, d)
	if err != nil {
		t.Fatal(err)
	}
	assertInOrder(t, res.Transcript, []string{"s2: SELECT v FROM t", "s2: <waiting ...>",
		"s2: ERROR:  canceling statement due to lock timeout", "s2: SELECT 1", "s1: COMMIT"})
	if d.waits == 0 {
		t.Error("the Director never had to wait for the blocked session")
	}
	alone := false
	for _, pt := range d.points {
		if len(pt.Options) == 1 && slices.Equal(pt.InFlight, []int{1}) {
			alone = true
		}
	}
	if !alone {
		t.Errorf("the Director was never asked where one session alone could move, beside a blocked one: %+v", d.points)
	}
}
