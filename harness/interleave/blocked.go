package interleave

import (
	"context"
	"fmt"
	"time"
)

// LockWaitProbe tells what a server process shows of lock waits at this
// instant, without a round trip: Config.LockWaits.
type LockWaitProbe interface {
	// LockWait reports whether backend pid says it waits for a lock (it
	// may have been granted it a moment ago), and whether it sleeps in a
	// lock's wait queue, not granted; known is false when it cannot tell.
	LockWait(pid uint32) (waiting, queued, known bool)
}

// maxPollDelay bounds the pause between two looks at a statement in flight.
// Once the pauses have grown to it (about 10 ms in flight), the server is
// asked whatever the processes say.
const maxPollDelay = 4 * time.Millisecond

// look is what the sessions' processes say of the statements in flight.
type look int

const (
	askServer    look = iota // they cannot tell: ask the server
	stillRunning             // one of them runs (no lock wait, or one just granted): look again later
	allQueued                // every one sleeps in a lock's wait queue
)

// lookAtProcesses reads the processes of the statements in flight
// (Config.LockWaits). One that waits for no lock runs. Whom a queued one
// waits for the process does not say: only for a program that promises it
// is self-contained (Tuning.SelfContained) is it taken as the server's
// answer — a wait on a session of the program, as
// pg_isolation_test_session_is_blocked would say — and one that says it
// waits but is awake as still running; for others the server is asked.
func (s *scheduler) lookAtProcesses(inFlight []int) look {
	probe := s.e.cfg.LockWaits
	if probe == nil {
		return askServer
	}
	trusted := s.tuning.SelfContained && s.e.cfg.WaitLog != nil // queuedWaits are poll's with a WaitLog
	verdict := allQueued
	for _, c := range inFlight {
		switch waiting, queued, known := probe.LockWait(s.conns[c].pid); {
		case known && (!waiting || trusted && !queued):
			return stillRunning // no lock wait, or a waiter awake: granted, or about to sleep
		case !known || !trusted:
			verdict = askServer
		}
	}
	return verdict
}

// queuedWaits are the waits of sessions whose processes sleep in lock
// queues, as poll would give them with a WaitLog.
func (s *scheduler) queuedWaits(inFlight []int) []lockWait {
	waits := make([]lockWait, len(inFlight))
	for i, c := range inFlight {
		waits[i] = lockWait{session: c, since: s.grantedAt[c], waited: time.Since(s.grantedAt[c])}
	}
	return waits
}

// blockedSQL asks, in one round trip, which sessions wait for a lock (or a
// deferrable snapshot) held by another session of the program.
const blockedSQL = `SELECT pg_isolation_test_session_is_blocked(q.pid, $2::int4[])
FROM unnest($1::int4[]) WITH ORDINALITY AS q(pid, n) ORDER BY n`

// waitStartSQL is blockedSQL with, for each session, since when it waits
// for a lock (pg_locks.waitstart) and the server's clock: without a WaitLog
// the engine times the deadlock detector from them. pg_locks reads the
// whole lock table: it is not asked when the log can answer.
const waitStartSQL = `WITH w AS (SELECT pid, min(waitstart) AS since FROM pg_locks WHERE NOT granted GROUP BY pid)
SELECT pg_isolation_test_session_is_blocked(q.pid, $2::int4[]), w.since, clock_timestamp()
FROM unnest($1::int4[]) WITH ORDINALITY AS q(pid, n) LEFT JOIN w USING (pid) ORDER BY n`

// pidsOf are the server processes of sessions, as the blocking queries
// take them; allPids, of every session.
func (s *scheduler) pidsOf(sessions []int) []int32 {
	out := make([]int32, len(sessions))
	for i, c := range sessions {
		out[i] = int32(s.conns[c].pid)
	}
	return out
}
func (s *scheduler) allPids() []int32 {
	out := make([]int32, len(s.conns))
	for i, c := range s.conns {
		out[i] = int32(c.pid)
	}
	return out
}

// lockWait is a blocked session's wait, to be examined by the deadlock
// detector: since is the wait's start (pg_locks) or, with a WaitLog, the
// grant of the statement — the log's lines after it tell the wait's story.
type lockWait struct {
	session int
	since   time.Time
	waited  time.Duration // at the poll
}

// poll asks the server about the statements in flight. It returns nil when
// one of them is not blocked (still running, or just released); otherwise
// their waits.
func (s *scheduler) poll(ctx context.Context, inFlight []int) ([]lockWait, error) {
	pids, all := s.pidsOf(inFlight), s.allPids()
	query := blockedSQL
	if s.e.cfg.WaitLog == nil {
		query = waitStartSQL
	}
	rows, err := s.e.control.pg.Query(ctx, query, pids, all)
	if err != nil {
		return nil, fmt.Errorf("asking the server which sessions are blocked: %w", err)
	}
	defer rows.Close()
	var waits []lockWait
	running := false
	for i := 0; rows.Next(); i++ {
		c := inFlight[i]
		var isBlocked bool
		w := lockWait{session: c, since: s.grantedAt[c]}
		if s.e.cfg.WaitLog != nil {
			err = rows.Scan(&isBlocked)
			w.waited = time.Since(w.since)
		} else {
			var since *time.Time
			var now time.Time
			if err = rows.Scan(&isBlocked, &since, &now); err == nil && since != nil {
				w.since, w.waited = *since, now.Sub(*since)
			}
		}
		if err != nil {
			return nil, err
		}
		running = running || !isBlocked
		waits = append(waits, w)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if running {
		return nil, nil
	}
	return waits, nil
}
