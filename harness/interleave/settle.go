package interleave

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// WaitLog is the server's own record of its deadlock detector: PostgreSQL,
// with log_lock_waits on, logs a line once the detector has examined a lock
// wait ("still waiting"), and another when the wait ends ("acquired").
// Reading it is how the engine knows, rather than guesses, that no deadlock
// check is still pending before it grants the next step — which is what
// makes the victim of a deadlock the session whose step closed the cycle,
// every time.
type WaitLog interface {
	// Examined reports what the server logged of backend pid's lock wait
	// that began at since: whether its deadlock check is over, and if so
	// whether it still waits.
	Examined(pid uint32, since time.Time) (examined, waiting bool, err error)
	// Changed ticks when the log may have grown: a lock wait shows there a
	// deadlock_timeout after it began, so the engine need not poll the
	// server on a timer to find it.
	Changed() <-chan struct{}
	// DeadlocksFound counts the deadlock checks so far that found a
	// deadlock, hard (a victim) or soft (a wait queue rearranged).
	DeadlocksFound() (int, error)
}

// logFallback is how long, with a WaitLog, a statement in flight is left
// alone when neither it ends nor the log grows: a wait on something other
// than a lock (a deferrable snapshot), or a long statement.
const logFallback = 25 * time.Millisecond

// settleThawed waits until every session whose server process runs (see
// freeze.go) is at a gate, asleep, done, or blocked on a lock: one select over every session's events and, for statements in
// flight, a poll of the server once they have taken twice as long as steps
// usually do. No statement is assumed not to block, whatever its text, and
// sessions blocked before the last step are examined again.
//
// A lock wait counts as settled once the deadlock detector has examined it
// — except, when the run speculates, the only wait in flight: with one
// session waiting there is no cycle for the detector to find, so the next
// step may be granted at once. A later step that makes two sessions wait
// is settled only once the detector has examined both; if it then finds a
// deadlock, the speculation may have changed its victim, and the schedule
// is run again without speculating (errMisspeculated).
func (s *scheduler) settleThawed(ctx context.Context) error {
	delay := s.firstPoll()
	polled := false // since the last event
	for {
		for drained := false; !drained; {
			select {
			case ev := <-s.st.events:
				if err := s.handle(ev); err != nil {
					return err
				}
				polled = false
			default:
				drained = true
			}
		}
		var inFlight []int
		goCode := false
		for i, st := range s.status {
			switch st {
			case running:
				goCode = true
			case inStatement, blocked:
				if !s.frozen[i] {
					inFlight = append(inFlight, i)
				}
			}
		}
		if !goCode && len(inFlight) == 0 {
			s.flushPause()
			return nil
		}
		if goCode {
			// Go code always ends at a gate, asleep or done.
			if err := s.await(ctx, nil); err != nil {
				return err
			}
			polled = false
			continue
		}
		// Once the step just granted is over, only sessions blocked before
		// it are in flight, and the server released whatever the step
		// released before it answered: ask at once. Otherwise give the
		// statements a moment first.
		if polled || s.status[s.granted] == inStatement {
			wait := delay
			if s.logChanged() != nil && !s.speculate {
				wait = logFallback // the log says when a wait was examined
			}
			if err := s.awaitFor(ctx, wait); err == nil {
				delay, polled = s.firstPoll(), false
				continue
			} else if !errors.Is(err, errTimeout) && !errors.Is(err, errLogChanged) {
				return err
			}
			delay = min(2*delay, maxPollDelay)
		}
		look := askServer
		if delay < maxPollDelay {
			look = s.lookAtProcesses(inFlight)
		}
		if look == stillRunning {
			polled = true // as the server would have answered, without asking it
			continue
		}
		var waits []lockWait
		if look == allQueued {
			waits = s.queuedWaits(inFlight) // as the server would have answered
		} else {
			var err error
			if waits, err = s.poll(ctx, inFlight); err != nil {
				return err
			}
		}
		polled = true
		if waits == nil {
			continue // a statement still runs
		}
		if s.speculate && len(waits) == 1 && !slices.Contains(s.frozen, true) { // a frozen session waits too
			s.unexamined[waits[0].session] = true
			s.settleBlocked(inFlight)
			return nil
		}
		settled, err := s.awaitExamination(ctx, waits)
		if err != nil {
			return err
		}
		if settled {
			if err := s.checkSpeculation(); err != nil {
				return err
			}
			for _, c := range inFlight {
				s.unexamined[c] = false
			}
			s.settleBlocked(inFlight)
			return nil
		}
		polled = false // an event came, or a wait ended: look again
	}
}

// settleBlocked marks the statements in flight as blocked, each with its
// "<waiting ...>" line the first time.
func (s *scheduler) settleBlocked(inFlight []int) {
	for _, c := range inFlight {
		s.status[c] = blocked
		if !s.waiting[c] {
			s.waiting[c] = true
			s.ranks++
			s.rank[c] = s.ranks
			s.say(c, "<waiting ...>")
		}
	}
	s.flushPause()
}

// firstPoll is how long a statement may take before the server is asked
// whether it is blocked: twice what steps have recently taken.
func (s *scheduler) firstPoll() time.Duration {
	return min(max(2*s.e.latency, 100*time.Microsecond), time.Millisecond)
}

// awaitFor handles the next event, or reports errTimeout after d, or
// errLogChanged when the server log grew first.
func (s *scheduler) awaitFor(ctx context.Context, d time.Duration) error {
	// Not disarmed after: the next arming, a step later, moves it, and the
	// rare tick of a timer left armed is a "look again" (precise.arm).
	fired := s.e.timer.arm(d)
	select {
	case ev := <-s.st.events:
		return s.handle(ev)
	case <-s.logChanged():
		return errLogChanged
	case <-fired:
		return errTimeout
	case <-ctx.Done():
		return ctx.Err()
	}
}

// logChanged is the WaitLog's channel, or nil (never ready) without one.
func (s *scheduler) logChanged() <-chan struct{} {
	if s.e.cfg.WaitLog == nil {
		return nil
	}
	return s.e.cfg.WaitLog.Changed()
}

var (
	// errTimeout is await's report that the timer fired first.
	errTimeout = errors.New("timeout")
	// errLogChanged is awaitFor's report that the server log grew first.
	errLogChanged = errors.New("the server log grew")
)

// await handles the next event, or reports errTimeout when timeout fires
// first (nil: no timeout).
func (s *scheduler) await(ctx context.Context, timeout <-chan time.Time) error {
	select {
	case ev := <-s.st.events:
		return s.handle(ev)
	case <-timeout:
		return errTimeout
	case <-ctx.Done():
		return ctx.Err()
	}
}

// awaitExamination waits until the deadlock detector has examined every
// wait of waits, reading the server log (cheap) rather than asking the
// server again. It returns false when an event came or a wait ended first:
// the caller looks again.
func (s *scheduler) awaitExamination(ctx context.Context, waits []lockWait) (bool, error) {
	start := time.Now()
	for {
		pending := false
		for _, w := range waits {
			examined, waiting, err := s.examined(ctx, w, w.waited+time.Since(start))
			if err != nil {
				return false, err
			}
			if examined && !waiting {
				return false, nil // the lock was granted: the statement goes on
			}
			pending = pending || !examined
		}
		if !pending {
			return true, nil
		}
		wait := 200 * time.Microsecond
		if s.logChanged() != nil {
			wait = logFallback
		}
		if err := s.awaitFor(ctx, wait); err == nil {
			return false, nil
		} else if !errors.Is(err, errTimeout) && !errors.Is(err, errLogChanged) {
			return false, err
		}
	}
}

// examined reports whether the deadlock detector has examined w, which has
// lasted waited, and whether it still waits. With a WaitLog, the last line
// the log has for the session since its grant decides: "still waiting" is a
// wait examined; "acquired", a wait over (a later one, if the server says it
// is blocked, not examined yet). A session blocked with no line for a while
// may wait for something that is no lock (a deferrable snapshot): the
// server says which: is_blocked reports two kinds of wait, for a lock and
// for a safe snapshot, and only the second is named. (Asking whether it
// waits for a lock would not do: a loaded server may run the check later
// than logFallback, and during it the wait shows as an LWLock or none.)
// Without a WaitLog, the server's deadlock_timeout and a margin since the
// wait began decide.
func (s *scheduler) examined(ctx context.Context, w lockWait, waited time.Duration) (examined, waiting bool, err error) {
	c := w.session
	log := s.e.cfg.WaitLog
	if log == nil {
		if !s.lastExamined[c].Equal(w.since) && waited < s.e.fallbackWait {
			return false, false, nil
		}
		s.lastExamined[c] = w.since
		return true, true, nil
	}
	examined, waiting, err = log.Examined(s.conns[c].pid, w.since)
	if err != nil {
		return false, false, fmt.Errorf("reading the server log: %w", err)
	}
	if examined || waited < logFallback {
		return examined, waiting, nil
	}
	if waited >= s.e.cfg.ExamineGrace {
		return true, true, nil // a session with a long deadlock_timeout of its own
	}
	var snapshot bool
	err = s.e.control.pg.QueryRow(ctx, "SELECT wait_event IS NOT DISTINCT FROM 'SafeSnapshot' FROM pg_stat_activity WHERE pid = $1", int32(s.conns[c].pid)).Scan(&snapshot)
	if err != nil {
		return false, false, fmt.Errorf("asking the server what a session waits for: %w", err)
	}
	return snapshot, true, nil
}
