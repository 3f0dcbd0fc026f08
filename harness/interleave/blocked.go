package interleave

import (
	"context"
	"fmt"
	"time"
)

// LockWaitProbe tells whether a server process waits for a lock at this
// instant, without a round trip: Config.LockWaits.
type LockWaitProbe interface {
	// LockWaiting reports whether backend pid waits for a lock; known is
	// false when it cannot tell.
	LockWaiting(pid uint32) (waiting, known bool)
}

// maxPollDelay bounds the pause between two looks at a statement in flight.
// Once the pauses have grown to it (about 10 ms in flight), the server is
// asked whatever the process titles say.
const maxPollDelay = 4 * time.Millisecond

// stillRunning reports that a statement in flight surely is not blocked —
// its process says it waits for no lock (Config.LockWaits) — so that asking
// the server would only hear "still running".
func (s *scheduler) stillRunning(inFlight []int) bool {
	if s.e.cfg.LockWaits == nil {
		return false
	}
	for _, c := range inFlight {
		if waiting, known := s.e.cfg.LockWaits.LockWaiting(s.conns[c].pid); known && !waiting {
			return true
		}
	}
	return false
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
