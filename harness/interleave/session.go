package interleave

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Session is one session of a running schedule, handed to Run.Session.
// Its methods are for the session's own goroutine.
type Session struct {
	id   int
	role Role
	conn *conn
	st   *runState
	// begin is the pending start of an operation: it runs right after the
	// operation's first grant, before its statement goes out.
	begin func()
}

// ID is the session's index in the program's Roles.
func (s *Session) ID() int { return s.id }

// Name is the session's role name.
func (s *Session) Name() string { return s.role.Name }

// PID is the backend process id of the session's connection (of an
// External session: the one its last step ran on).
func (s *Session) PID() uint32 { return s.conn.pid }

// Conn is the session's own connection. Every statement sent on it waits
// for the engine's grant. An External session has none (nil).
func (s *Session) Conn() *pgx.Conn { return s.conn.pg }

// Op runs one operation of the session. begin is called at the moment the
// operation starts — when its first step is granted, so that the schedule,
// not the start of the run, decides when a call begins. An operation that
// runs no statement (a cache hit, a validation error) still takes one step,
// without SQL, so the schedule decides when it happens too.
func (s *Session) Op(begin func(), body func() error) error {
	s.st.send(event{session: s.id, kind: evOpStart})
	s.begin = begin
	err := body()
	if s.begin != nil {
		s.Step("(an operation that runs no statement)")
	}
	s.st.send(event{session: s.id, kind: evOpEnd})
	return err
}

// Step is a scheduling point that runs no statement: the session waits for
// its grant, and the step ends at once.
func (s *Session) Step(label string) {
	s.st.arrive(s, Statement{}, label)
	s.end("STEP", 'I', 'I', nil)
}

// Raw runs one statement the program sends below pgx.Conn — a simple-query
// message with several statements and all their result sets, say — as a
// step like any other: it waits for its grant, may block, and its end (with
// the command tag and error run returns) is reported as pgx's tracer would.
func (s *Session) Raw(sql string, run func(pg *pgconn.PgConn) (pgconn.CommandTag, error)) error {
	return s.step(Statement{SQL: sql}, func() (string, byte, byte, error) {
		pg := s.conn.pg.PgConn()
		before := pg.TxStatus()
		tag, err := run(pg)
		return tag.String(), before, pg.TxStatus(), err
	})
}

// Sleep waits until another session makes a change others could see (it
// ends a transaction or writes outside one), or until nobody else can move.
// It stands for every wait on time — a retry's backoff, a poll that saw no
// change, an idle worker: under the engine time passes only when nothing
// else can happen.
func (s *Session) Sleep(ctx context.Context) {
	s.st.send(event{session: s.id, kind: evSleep})
	select {
	case <-s.st.wakes[s.id]:
	case <-s.st.stop:
	case <-ctx.Done():
	}
}

// Logf adds a line to the transcript, under the session's name, in the
// pause of the step that led to it.
func (s *Session) Logf(format string, args ...any) {
	s.st.send(event{session: s.id, kind: evLog, text: fmt.Sprintf(format, args...)})
}

// Reconnect replaces the session's connection — after a fault broke it —
// with a new one, gated like the first. Connecting is no step.
func (s *Session) Reconnect(ctx context.Context) error {
	s.conn.gate.session.Store(nil)
	s.conn.pg.Close(ctx)
	c, err := s.st.engine.connect(ctx, s.id)
	if err != nil {
		return err
	}
	c.gate.session.Store(s)
	s.conn = c
	s.st.send(event{session: s.id, kind: evReconnect, conn: c})
	return nil
}

// Steps is the schedule's logical clock: steps granted so far.
func (s *Session) Steps() int64 { return s.st.step.Load() }

// conn is a session's connection, kept across schedules.
type conn struct {
	pg   *pgx.Conn
	pid  uint32
	gate *gate
}
