package interleave

import (
	"strings"
	"time"
)

// Fewer questions to the server. After every step the engine must know
// whether each statement in flight is blocked: asking costs a round trip
// on the control connection, as long as a step. Two things the server
// reports without being asked spare most of them.

// titleFallback is how long a statement in flight may run, with Titles,
// before the server is asked whether it is blocked although its title
// does not say it waits: a wait that is no lock (a deferrable snapshot)
// shows in no title.
const titleFallback = 5 * time.Millisecond

// mayBeBlocked reports whether asking the server if the statements in
// flight are all blocked can answer yes: without Titles, always; with
// them, unless a statement granted for this step (not blocked before)
// neither shows a lock wait in its title nor has run for titleFallback.
// A statement blocked since an earlier step is always worth asking about:
// the step may have released it, and its title says waiting until it runs
// again.
func (s *scheduler) mayBeBlocked(inFlight []int) bool {
	t := s.e.cfg.Titles
	if t == nil {
		return true
	}
	for _, c := range inFlight {
		if s.status[c] == inStatement && time.Since(s.grantedAt[c]) < titleFallback && !t.Waiting(s.conns[c].pid) {
			return false
		}
	}
	return true
}

// stillBlocked reports that the statements in flight, all blocked before
// the step just granted, are blocked still without asking the server: the
// step has ended and could release no lock they wait for.
//
// A step releases locks that a session waits for only when its
// transaction ends or is rolled back in part (COMMIT, ROLLBACK, ROLLBACK
// TO SAVEPOINT, an error), or when it unlocks a session-level advisory
// lock: locks an earlier statement took are held to the end of the
// transaction (or subtransaction) that took them, and a statement
// outside a transaction holds none of them. The step's end says which
// (mayRelease: its command tag, its error, the transaction status before
// and after it, as the server reported them), and the server said, when
// each wait began, what it waits for (stableWait: a lock that is not an
// advisory one). A step that releases nothing changes no wait: the
// wait-for graph is the one the server last reported, so no deadlock can
// have formed either. Runs of a Director (isolation specs, whose steps
// may cancel other backends) and of External sessions (whose backends
// may change under them) always ask.
func (s *scheduler) stillBlocked(inFlight []int) bool {
	if !s.quiet || s.mayRelease || s.granted < 0 || s.status[s.granted] == inStatement {
		return false
	}
	for _, c := range inFlight {
		if s.status[c] != blocked || !s.stableWait[c] {
			return false
		}
	}
	return true
}

// mayRelease reports a step that may have released a lock another
// session waits for (see stillBlocked).
func mayRelease(ev event) bool {
	switch {
	case ev.tag == "STEP":
		return false // no statement
	case ev.err != nil:
		return true // an error ends the transaction, or a subtransaction
	case ev.txBefore == 'I' && ev.tx == 'I':
		return false // a statement alone holds no lock before it runs
	case ev.txBefore == 'I' && ev.tx == 'T':
		return false // BEGIN, or the first statement of a transaction
	case ev.txBefore == 'T' && ev.tx == 'T':
		return startsWithFold(ev.tag, "ROLLBACK") || startsWithFold(ev.tag, "RELEASE")
	}
	return true
}

// severalStatements reports SQL that may hold more than one statement (a
// simple query "COMMIT; BEGIN" ends a transaction whatever its last
// command tag says): any semicolon but a trailing one.
func severalStatements(sql string) bool {
	t := strings.TrimRight(sql, " \t\r\n;")
	return strings.Contains(t, ";")
}

// releasesNothing reports, before session c's step is granted, that it
// cannot release a lock any blocked session waits for, so that the
// sessions blocked need not be frozen (freeze.go): a step without SQL, or
// a statement of a session outside a transaction — it holds no lock but
// session-level advisory ones, and no blocked session waits for one of
// those (stableWait). A statement inside a transaction may always: an
// error ends the transaction.
func (s *scheduler) releasesNothing(c int) bool {
	if !s.quiet || s.next[c].label == "" && s.next[c].txBefore != 'I' {
		return false
	}
	for o, st := range s.status {
		if st == blocked && o != c && !s.stableWait[o] {
			return false
		}
	}
	return true
}
