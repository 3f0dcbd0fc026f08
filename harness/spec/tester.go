package spec

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"jbcheck.dev/jbcheck/harness/interleave"
)

// tester replays one permutation on the engine, as isolationtester's
// run_permutation does, and prints what it prints. It is the engine's
// Director: asked once the sessions settle after each step, it first
// reports on the step just launched and on the waiting ones — a step is
// complete when its session is no longer in flight, blocked when it is —
// then grants the session of the permutation's next step, or waits while
// that session is still busy.
type tester struct {
	perm *Permutation
	run  *run

	next     int     // the permutation's next step
	launched *launch // granted, not yet looked at
	active   []*launch
	waiting  []*launch
	count    []int // per session: steps launched
	notices  []int // per session: notices printed (isolationtester's total_notices)
	newNote  bool  // a notice was printed during this scan (any_new_notice)
	inFlight []int
	started  bool
	err      error // why the permutation cannot go on
	// abort, for a serial run, ends the run at the first step that waits;
	// aborted: it did, and the tester directs nothing more.
	abort   func()
	aborted bool
	// stalled says why the tester last waited for a session.
	stalled string
}

// launch is one step of the permutation on its way.
type launch struct {
	ps      *PermStep
	op      *opRec
	session int
	targets []int // per marker "STEP notices N": the notice count to reach
}

// Flags of tryComplete, as isolationtester's.
const (
	nonblock = 1 << iota // a lock wait counts as "not complete"
	retry                // the step was tried before
)

// ErrMutuallyBlocked is isolationtester's "failed to complete permutation
// due to mutually-blocking steps": markers that wait for each other.
var ErrMutuallyBlocked = errors.New("failed to complete permutation due to mutually-blocking steps")

func newTester(perm *Permutation, sessions int) *tester {
	return &tester{perm: perm, active: make([]*launch, sessions), count: make([]int, sessions), notices: make([]int, sessions)}
}

func (t *tester) bind(r *run) { t.run = r }

func (t *tester) printf(format string, args ...any) { fmt.Fprintf(&t.run.out, format, args...) }

// Choose is never called for a Director; it directs all the same.
func (t *tester) Choose(p interleave.Point) int { return t.Direct(p) }

// Direct implements interleave.Director.
func (t *tester) Direct(p interleave.Point) int {
	if t.aborted {
		// The engine may report the cancelled step's end before it sees
		// the run cancelled: the run is over, and why is said already.
		return interleave.Wait
	}
	t.inFlight = p.InFlight
	for _, s := range p.InFlight {
		// What a blocked step sent before it blocked is read before it is
		// reported waiting.
		if w := t.run.sessions[s].watch; w != nil {
			w.awaitDrained()
		}
	}
	t.begin()
	t.settleLaunched()
	if t.abort != nil && len(p.InFlight) > 0 {
		for _, l := range t.active {
			if l != nil && t.busy(l) {
				t.err = fmt.Errorf("%w: step %s", ErrBlockedSerially, l.ps.Name)
			}
		}
		t.abort()
		t.aborted = true
		return interleave.Wait
	}
	if t.next == len(t.perm.Steps) {
		return interleave.Wait // for the steps still in flight to end
	}
	ps := t.perm.Steps[t.next]
	s := ps.Step.Session
	// isolationtester waits until the session's previous step is reported
	// complete before it sends the next one.
	for t.active[s] != nil {
		old := t.active[s]
		if t.busy(old) {
			t.stalled = fmt.Sprintf("step %s of session %s waits until the session's step %s no longer waits for its lock", ps.Name, t.run.sessions[s].name, old.ps.Name)
			return interleave.Wait
		}
		if !t.tryComplete(old, retry) {
			t.remove(old)
		}
		t.tryCompleteSteps(nonblock | retry)
		if t.active[s] != nil {
			if len(p.InFlight) > 0 {
				return interleave.Wait // a step in flight may yet release its marker
			}
			t.err = fmt.Errorf("%w: step %s waits for its session's step %s, whose marker nothing can release", ErrMutuallyBlocked, ps.Name, old.ps.Name)
			return interleave.Wait
		}
	}
	i := slices.Index(p.Options, s)
	if i < 0 {
		t.err = fmt.Errorf("%w: session %s is not ready for step %s", interleave.ErrInternal, t.run.sessions[s].name, ps.Name)
		return interleave.Wait
	}
	l := &launch{ps: ps, op: t.run.steps[s][t.count[s]], session: s, targets: make([]int, len(ps.Blockers))}
	t.count[s]++
	for j, b := range ps.Blockers {
		if b.Kind == BlockOnNotices {
			l.targets[j] = b.Notices + t.notices[b.Step.Session]
		}
	}
	t.active[s], t.launched = l, l
	t.next++
	return i
}

// begin prints, once, what the sessions' setup blocks printed: their
// notices, then the last result set, in session order.
func (t *tester) begin() {
	if t.started {
		return
	}
	t.started = true
	for i, op := range t.run.setups {
		if op == nil {
			continue
		}
		t.poll(i)
		t.run.printBlock(op)
	}
}

// settleLaunched is the rest of isolationtester's loop for the step it
// just sent: try to complete it without blocking, then the waiting ones;
// if it must wait, it joins them.
func (t *tester) settleLaunched() {
	l := t.launched
	if l == nil {
		return
	}
	t.launched = nil
	mustWait := t.tryComplete(l, nonblock)
	t.tryCompleteSteps(nonblock | retry)
	if mustWait {
		t.waiting = append(t.waiting, l)
	}
}

// finish is isolationtester's wait for the remaining steps, once the
// engine says none is in flight.
func (t *tester) finish() error {
	t.inFlight = nil
	t.begin()
	t.settleLaunched()
	if t.err != nil {
		return t.err
	}
	t.tryCompleteSteps(retry)
	if len(t.waiting) > 0 {
		var names []string
		for _, l := range t.waiting {
			names = append(names, l.ps.Name)
		}
		return fmt.Errorf("%w (%s)", ErrMutuallyBlocked, strings.Join(names, " "))
	}
	return nil
}

// busy reports a launched step still in flight: blocked, as the engine
// found it once the sessions settled.
func (t *tester) busy(l *launch) bool { return slices.Contains(t.inFlight, l.session) }

// tryComplete is isolationtester's try_complete_step: it reports true when
// the step is not (reported) complete.
func (t *tester) tryComplete(l *launch, flags int) bool {
	st := l.ps.Step
	if flags&retry == 0 && slices.ContainsFunc(l.ps.Blockers, func(b *Blocker) bool { return b.Kind == BlockOnce }) {
		t.printf("step %s: %s <waiting ...>\n", st.Name, st.SQL)
		return true
	}
	t.poll(l.session)
	if t.busy(l) || t.held(l) {
		if flags&retry == 0 {
			t.printf("step %s: %s <waiting ...>\n", st.Name, st.SQL)
		}
		return true
	}
	if flags&retry != 0 {
		t.printf("step %s: <... completed>\n", st.Name)
	} else {
		t.printf("step %s: %s\n", st.Name, st.SQL)
	}
	t.run.out.WriteString(l.op.render())
	for _, line := range t.run.sessions[l.session].drainNotifications() {
		t.run.out.WriteString(line)
	}
	t.active[l.session] = nil
	return false
}

// held is isolationtester's step_has_blocker: a marker not yet satisfied.
func (t *tester) held(l *launch) bool {
	for j, b := range l.ps.Blockers {
		switch b.Kind {
		case BlockOnStep:
			if a := t.active[b.Step.Session]; a != nil && a.ps.Step == b.Step {
				return true
			}
		case BlockOnNotices:
			if t.notices[b.Step.Session] < l.targets[j] {
				return true
			}
		}
	}
	return false
}

// tryCompleteSteps is isolationtester's try_complete_steps: it tries the
// waiting steps in the order they began to wait, and tries again while a
// step with markers still waits and something completed or sent a notice.
func (t *tester) tryCompleteSteps(flags int) {
	for {
		t.newNote = false
		before := len(t.waiting)
		haveBlocker := false
		for w := 0; w < len(t.waiting); {
			l := t.waiting[w]
			if t.tryComplete(l, flags) {
				haveBlocker = haveBlocker || len(l.ps.Blockers) > 0
				w++
			} else {
				t.waiting = slices.Delete(t.waiting, w, w+1)
			}
		}
		if !haveBlocker || (len(t.waiting) == before && !t.newNote) {
			return
		}
	}
}

func (t *tester) remove(l *launch) {
	if i := slices.Index(t.waiting, l); i >= 0 {
		t.waiting = slices.Delete(t.waiting, i, i+1)
	}
}

// poll reads session i's connection, as isolationtester does whenever it
// waits on it: every notice that came is printed, prefixed with the
// session's name, and counted.
func (t *tester) poll(i int) {
	rec := t.run.sessions[i]
	for _, text := range rec.noticesFrom(t.notices[i]) {
		t.printf("%s: %s", rec.name, text)
		t.notices[i]++
		t.newNote = true
	}
}
