// Package schedule is the deterministic execution mode: every SQL statement
// is a scheduling point, exactly one statement moves at a time, and a run is
// a pure function of (scenario, schedule).
//
// Each client has its own connection whose pgx tracer stops the client at
// the start of every statement (BEGIN and COMMIT included) until the
// scheduler grants it, so variant code stays plain pgx code. After each grant
// the scheduler waits until every client is settled — at its next gate,
// finished, asleep, or blocked on a lock, which it asks PostgreSQL the way the
// isolation tester does (pg_isolation_test_session_is_blocked). A schedule is
// the list of choices made where more than one client could move; choice 0
// keeps the current client running, so schedules shrink toward sequential
// order. Explore enumerates schedules: exhaustively, with at most K
// preemptions, or PCT-style at random.
package schedule
