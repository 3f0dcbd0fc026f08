package interleave

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// WaitLog is the server's own record of its deadlock detector: PostgreSQL,
// with log_lock_waits on, logs a line once the detector has examined a lock
// wait (the wait goes on, was granted, or was rearranged). Reading it is
// how the engine knows, rather than guesses, that no deadlock check is
// still pending before it grants the next step — which is what makes the
// victim of a deadlock the session whose step closed the cycle, every time.
type WaitLog interface {
	// Examined reports whether the server logged, for backend pid, the
	// end of a deadlock check at or after since (the start of the wait).
	Examined(pid uint32, since time.Time) (bool, error)
}

// examineGrace bounds the wait for a WaitLog line: a wait that has lasted
// this long unexamined belongs to a session that set a long
// deadlock_timeout of its own, whose detector will not run soon.
const examineGrace = 2 * time.Second

// settle waits until every session is at a gate, asleep, done, or blocked
// on a lock the deadlock detector has examined: one select over every
// session's events, and, for statements in flight, a poll of the server
// once they have had a moment. No statement is assumed not to block,
// whatever its text, and sessions blocked before the last step are examined
// again.
func (s *scheduler) settle(ctx context.Context) error {
	const first = 200 * time.Microsecond
	delay := first
	for {
		for drained := false; !drained; {
			select {
			case ev := <-s.st.events:
				if err := s.handle(ev); err != nil {
					return err
				}
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
				inFlight = append(inFlight, i)
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
			continue
		}
		timer := time.NewTimer(delay)
		err := s.await(ctx, timer.C)
		timer.Stop()
		if err == nil {
			delay = first
			continue
		}
		if !errors.Is(err, errTimeout) {
			return err
		}
		delay = min(2*delay, 5*time.Millisecond)
		settled, err := s.poll(ctx, inFlight)
		if err != nil {
			return err
		}
		if settled {
			s.flushPause()
			return nil
		}
	}
}

// errTimeout is await's report that the timer fired first.
var errTimeout = errors.New("timeout")

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

// pollSQL asks, in one round trip, which sessions wait for a lock held by
// another session of the program, and since when each waits.
const pollSQL = `SELECT q.pid, pg_isolation_test_session_is_blocked(q.pid, $2::int4[]),
	(SELECT min(l.waitstart) FROM pg_locks l WHERE l.pid = q.pid AND NOT l.granted),
	coalesce((SELECT a.wait_event_type FROM pg_stat_activity a WHERE a.pid = q.pid), ''),
	clock_timestamp()
FROM unnest($1::int4[]) AS q(pid)`

// poll reports whether every statement in flight is blocked, each lock
// wait examined by the deadlock detector; if so, they are marked blocked.
func (s *scheduler) poll(ctx context.Context, inFlight []int) (bool, error) {
	pids := make([]int32, len(inFlight))
	for i, c := range inFlight {
		pids[i] = int32(s.conns[c].pid)
	}
	all := make([]int32, len(s.conns))
	for i, c := range s.conns {
		all[i] = int32(c.pid)
	}
	rows, err := s.e.control.pg.Query(ctx, pollSQL, pids, all)
	if err != nil {
		return false, fmt.Errorf("asking the server which sessions are blocked: %w", err)
	}
	defer rows.Close()
	settled := true
	i := 0
	for rows.Next() {
		var pid int32
		var isBlocked bool
		var since *time.Time
		var waitType string
		var now time.Time
		if err := rows.Scan(&pid, &isBlocked, &since, &waitType, &now); err != nil {
			return false, err
		}
		c := inFlight[i]
		i++
		if !isBlocked {
			settled = false // still running, or just released
			continue
		}
		switch {
		case since != nil:
			ok, err := s.checked(c, *since, now)
			if err != nil {
				return false, err
			}
			settled = settled && ok
		case waitType == "Lock":
			settled = false // the wait has only just begun: its start is not public yet
		}
		// Otherwise it waits for no lock (a deferrable snapshot): no
		// deadlock check will come.
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	if !settled {
		return false, nil
	}
	for _, c := range inFlight {
		s.status[c] = blocked
		if !s.waiting[c] {
			s.waiting[c] = true
			s.ranks++
			s.rank[c] = s.ranks
			s.say(c, "<waiting ...>")
		}
	}
	return true, nil
}

// checked reports whether the deadlock detector has examined session c's
// lock wait that began at since.
func (s *scheduler) checked(c int, since, now time.Time) (bool, error) {
	if s.lastExamined[c].Equal(since) {
		return true, nil
	}
	waited := now.Sub(since)
	ok := false
	if log := s.e.cfg.WaitLog; log != nil {
		var err error
		if ok, err = log.Examined(s.conns[c].pid, since); err != nil {
			return false, fmt.Errorf("reading the server log: %w", err)
		}
		ok = ok || waited >= examineGrace
	} else {
		ok = waited >= s.e.fallbackWait
	}
	if ok {
		s.lastExamined[c] = since
	}
	return ok, nil
}

// describe is a step's line in the transcript: its SQL on one line and its
// arguments.
func describe(ev event) string {
	if ev.label != "" {
		return ev.label
	}
	sql := strings.Join(strings.Fields(ev.stmt.SQL), " ")
	var args []string
	for _, a := range ev.stmt.Args {
		if _, isMode := a.(pgx.QueryExecMode); !isMode { // pgx's own option, not a parameter
			args = append(args, fmt.Sprintf("$%d=%v", len(args)+1, a))
		}
	}
	if len(args) == 0 {
		return sql
	}
	return sql + "  [" + strings.Join(args, " ") + "]"
}

// describeError is an error's line, as isolationtester writes it: the
// severity, two spaces, the primary message — and the SQLSTATE.
func describeError(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return fmt.Sprintf("%s:  %s (SQLSTATE %s)", pgErr.Severity, pgErr.Message, pgErr.Code)
	}
	return "error: " + err.Error()
}
