package interleave

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Program is what the engine interleaves: a fixed cast of sessions. Start is
// called once per schedule and returns that schedule's Run.
type Program interface {
	// Roles names the sessions, foreground ones first. The engine gives each
	// role a connection of its own, kept across schedules (an External role
	// brings its own).
	Roles() []Role
	// Start prepares one schedule — typically fresh rows, made on the
	// control connection — and returns its Run.
	Start(ctx context.Context, s *Schedule) (Run, error)
	// Tuning says which reductions and how many audits the program wants.
	// Both decide where the choices are, so a schedule replays only with
	// the tuning it was made with.
	Tuning() Tuning
}

// Tuning is a program's choice of reductions and audits.
type Tuning struct {
	// Reduce turns the reductions on: a bare BEGIN, and the end of a
	// transaction an error aborted, are granted without a choice, symmetric options are marked Redundant (Symmetric), and
	// commuting ones are put to sleep (Commuter).
	Reduce bool
	// Audits is how many mid-flight audits one schedule may take (Auditor).
	Audits int
	// Faults is how many faults one schedule may inject (Faulter).
	Faults int
	// Stateless promises that a session outside a transaction holds
	// nothing a later statement of the program could tell from a fresh
	// connection's: its statements make no SET outside a transaction, take
	// no session-level advisory lock, keep no cursor WITH HOLD, LISTEN to
	// nothing, make no temporary table, and never read a sequence's
	// session state (currval, lastval). The engine then skips the reset
	// (ResetSQL) between two schedules, a round trip per session whose six
	// statements cost the server more than most steps. Without the
	// promise, every session is reset.
	Stateless bool
	// SelfContained promises that while a schedule runs, every lock a
	// session may wait for is held, if by anyone, by a session of the
	// program: its rows are its own, and no connection outside it takes
	// locks on them. A session whose server process sleeps in a lock's
	// wait queue (Config.LockWaits) then waits for another session, as
	// the server would answer, and the engine does not ask it. Without
	// the promise — an application with connections of its own, say —
	// the server is asked whom every wait is for.
	SelfContained bool
}

// Role is one session of a program.
type Role struct {
	Name string // as it appears in transcripts: "c0", "s1", "worker"
	// Background sessions run until every foreground session is done; then
	// they get one more round once idle (Session.Sleep), and their context
	// ends.
	Background bool
	// External sessions bring their own connections: the engine opens
	// none for them and resets none, and their steps are Session.External
	// calls whose I/O the program does itself — a wire-protocol relay
	// forwarding an application's statements, say. They are scheduled
	// like every other session.
	External bool
}

// Run is one schedule of a program.
type Run interface {
	// Session is the body of one session: it runs statements on s.Conn(),
	// wrapping each operation in s.Op. A foreground body returns when it is
	// done; a background one when its context ends.
	Session(ctx context.Context, s *Session) error
	// Finish judges the schedule once every session is done.
	Finish(ctx context.Context, s *Schedule) (Outcome, error)
}

// Outcome is a program's judgement of one schedule.
type Outcome struct {
	// Key is what the sessions observed: two schedules with equal keys
	// behaved the same. Explorations count distinct keys.
	Key string
	// Failed reports a violated check.
	Failed bool
	// Evidence is the program's own record (a history, a verdict).
	Evidence any
}

// Auditor is implemented by a Run that can audit between any two steps. The
// engine offers an audit as one more choice wherever a foreground session
// is in the middle of an operation, at most Tuning.Audits times per
// schedule; its findings belong in the Outcome.
type Auditor interface {
	Audit(ctx context.Context, control *pgx.Conn) error
}

// Faulter is implemented by a Run that can inject faults between steps: a
// crash of the server, a session's backend killed, a reply lost. The engine
// offers each fault Faults lists as one more choice at every point, at most
// Tuning.Faults per schedule, explored like a preemption, so every crash
// point is explored and a schedule replays its fault exactly. A fault that
// breaks connections is seen by the sessions when they next use them
// (Session.Reconnect); the engine reconnects its control connection itself.
type Faulter interface {
	// Faults names the faults that can be injected now ("crash",
	// "kill c1"), in a stable order.
	Faults() []string
	// Fault injects the k-th of them and returns once it is over.
	Fault(ctx context.Context, k int) error
}

// Symmetric is implemented by a Run whose sessions can be interchangeable.
// SymmetryKey is asked only for a session between attempts (no statement of
// its current attempt run yet); two such sessions with equal keys lead to
// runs that differ only by renaming, so the engine marks the second one
// Redundant. A sound key includes everything the session has observed.
type Symmetric interface {
	SymmetryKey(session int) (key string, ok bool)
}

// Commuter is implemented by a Program that knows its own SQL: Commute
// reports two statements whose order never matters (neither waits for,
// nor changes what is seen by, the other). The engine builds sleep sets
// from it; without it, it assumes nothing.
type Commuter interface {
	Commute(a, b Statement) bool
}

// Statement is a request at a gate. A batch (pgx.Conn.SendBatch: several
// statements sent in one round trip, one step) lists its statements in
// Batch, and its SQL is their texts joined by "; ".
type Statement struct {
	SQL   string
	Args  []any
	Batch []Statement
}

// Schedule is what a Run sees of the engine during one schedule.
type Schedule struct {
	engine *Engine
	state  *runState
}

// Control is the engine's own connection, outside every schedule: for
// setting up rows, auditing and judging. A fault may replace it: ask for it
// each time.
func (s *Schedule) Control() *pgx.Conn { return s.engine.control.pg }

// Steps is the number of steps granted so far: the schedule's logical clock.
func (s *Schedule) Steps() int64 { return s.state.step.Load() }

// Choices are the choices made so far (all of them, in Finish).
func (s *Schedule) Choices() []int { return s.state.choices() }
