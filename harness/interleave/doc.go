// Package interleave is the deterministic interleaving engine: it runs a
// Program — sessions that are plain Go functions over their own PostgreSQL
// connection — one SQL statement at a time, so that a run is a pure function
// of (program, schedule).
//
// Every request a session sends through pgx — a statement, a batch, a COPY
// FROM, a Prepare — stops at a gate (pgx's tracers) until the engine grants
// it. After each grant the engine waits until every
// session is settled: at its next gate, asleep, finished, or blocked on a
// lock, which it asks the server the way PostgreSQL's isolationtester does
// (pg_isolation_test_session_is_blocked). A schedule is the list of choices
// made wherever more than one participant could move; choice 0 keeps the
// current session running, so schedules shrink toward sequential order.
//
// The engine knows nothing of what the sessions do. Its fidelity rules:
//
//   - after every step, error included, every blocked session is examined
//     again, and completions are reported in isolationtester's order: the
//     step that just ran first, then waiters in the order they began waiting;
//   - any statement in flight may block, whatever its text;
//   - deadlocks are PostgreSQL's to resolve: before the next grant, the
//     deadlock detector has examined every lock wait (proved from the server
//     log with a WaitLog), so the victim is always the session whose step
//     closed the cycle, it sees 40P01, and a soft deadlock is left to the
//     server to untangle — or the run behaves as if it had: a lone wait,
//     which cannot be in a cycle, is settled at once (speculation), and a
//     run in which the server then finds a deadlock is made again without
//     speculating (speculate.go);
//   - an operation that runs no statement is still a step of the schedule;
//   - every session starts each schedule clean (its session state reset);
//   - reductions are the program's to offer (Symmetric, Commuter) and the
//     engine applies none to SQL it is not told about, except granting at
//     once a bare BEGIN (it takes no snapshot and no lock) and the end of a
//     transaction the server reports failed (it released everything at the
//     error).
//
// A Director is a chooser that replays a fixed order of steps (an
// isolation spec's permutation): it is asked at every settled point, even
// where one session alone or none can move, and may answer Wait — grant
// nobody until the server ends a blocked statement.
//
// Background participants (a worker) are sessions that run until the
// foreground is done; an auditor (Auditor) is a participant the engine can
// run between any two steps, at most Tuning.Audits times per schedule,
// explored like a preemption. Explore enumerates schedules: exhaustively,
// with at most K preemptions, or PCT-style at random, in parallel over
// several engines.
//
// Explore can also run one shard of an exploration (ExploreOptions.Shard):
// n processes, each given its shard, together run exactly the schedules of
// one unsharded exploration, each schedule in one of them (split.go).
//
// The package imports nothing else of this module but harness/shard (which
// share of the work is this process's): a program brings its own meaning.
package interleave
