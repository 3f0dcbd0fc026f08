package interleave

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Config sets up an Engine.
type Config struct {
	// ConnConfig returns a fresh configuration for one new session
	// connection. The engine adds its tracer (and, with a WaitLog, two
	// run-time parameters).
	ConnConfig func() *pgx.ConnConfig
	// ControlConfig is the control connection's configuration (default:
	// ConnConfig's, without the tracer).
	ControlConfig func() *pgx.ConnConfig
	// Adjust, when set, changes session i's configuration before each of
	// its connections is made — to wrap its dialer, say, so that a fault can
	// reach the session's network connection.
	Adjust func(session int, cfg *pgx.ConnConfig)
	// WaitLog, when set, tells for certain when PostgreSQL's deadlock
	// detector has examined a lock wait. Sessions then run with
	// deadlock_timeout = 1ms and log_lock_waits = on (settings only a
	// superuser may make), so each wait costs about a millisecond. Without
	// it, a wait counts as examined once the server's deadlock_timeout and
	// a margin have passed since it began.
	WaitLog WaitLog
	// MaxSteps bounds one schedule (default 10,000): a longer one is an
	// error, ErrTooLong (a session looping).
	MaxSteps int
	// StuckTimeout bounds a wait for the server when every session is
	// blocked and none can be granted (default one minute): a deadlock that
	// the server's detector does not resolve in that time is ErrStuck.
	StuckTimeout time.Duration
	// Conservative turns speculation off: with a WaitLog, a lone lock wait
	// then settles only once the deadlock detector examined it, about a
	// millisecond, instead of at once (Engine.Run). Outcomes are the same
	// either way (TestSpeculationIsExact); it exists to prove that.
	Conservative bool
	// ExamineGrace bounds the wait, with a WaitLog, for the log to show that
	// the deadlock detector examined a lock wait (default two seconds): a
	// wait that lasted this long unexamined belongs to a session that set a
	// long deadlock_timeout of its own — one meant not to be a deadlock's
	// victim — and counts as examined. Programs whose sessions set such
	// timeouts on purpose (isolation specs: '10s' for every session but the
	// victim) set it lower, so that each of their waits does not cost it.
	ExamineGrace time.Duration
	// Freezer, when set, stops and resumes sessions' server processes, so
	// that a step releasing a lock two or more sessions wait for wakes them
	// one at a time, in the order they began waiting (freeze.go). Without
	// it the server wakes them together, and which of them gets the next
	// lock first is the operating system's choice: the outcome of such a
	// schedule may vary from one replay to the next.
	Freezer Freezer
	// LockWaits, when set, tells without a round trip whether a session's
	// server process waits for a lock (the embedded cluster reads its
	// process title and where the kernel has it asleep). A statement slow
	// to answer is then asked about only once its process says it waits,
	// or once it has run for a while (a wait that is no lock's shows in no
	// title), instead of every time it takes longer than steps usually do;
	// for a self-contained program (Tuning.SelfContained) a process asleep
	// in a lock's queue counts as blocked without asking.
	LockWaits LockWaitProbe
	// Incarnation, when set, counts the server's restarts (a crash fault,
	// on this engine's lane or another's): once it has changed, every
	// connection the engine holds is to a server that is gone, and each is
	// made again before the next schedule — without it, a session cleaned
	// behind the last schedule is trusted and its first statement fails.
	Incarnation func() uint64
}

// Errors of a run that are not the program's.
var (
	// ErrTooLong reports a schedule that did not end within MaxSteps.
	ErrTooLong = errors.New("schedule did not end within the step bound")
	// ErrStuck reports sessions blocked that nothing releases.
	ErrStuck = errors.New("every session is blocked and the server resolved nothing")
	// ErrInternal reports a fault of the program or the engine (a panic in
	// a session, a record it cannot read back): never a verdict.
	ErrInternal = errors.New("internal error")
)

// Engine holds what outlives one schedule: a connection per session (a new
// connection costs milliseconds, a whole schedule about one) and a control
// connection. It runs one schedule at a time; for parallel exploration,
// open one engine per lane.
type Engine struct {
	cfg      Config
	control  *conn
	sessions []*conn
	// fallbackWait is how long a lock wait must last, without a WaitLog,
	// before the deadlock detector surely examined it.
	fallbackWait time.Duration
	// timer wakes the scheduler to look at a statement that has not
	// answered yet; latency is the recent time a step takes to answer
	// (a moving average): a statement that has taken twice as long is
	// asked about.
	timer   *precise
	latency time.Duration
	// cleaning resets the sessions behind a finished schedule; clean
	// marks those it reset.
	cleaning sync.WaitGroup
	clean    []bool
	// incarnation is the server's (Config.Incarnation) when the engine's
	// connections were checked last.
	incarnation uint64
	// workers run the sessions' bodies.
	workers *workers
	// oneLine is each statement text the transcript has shown, on one
	// line (describe); schedules repeat the same statements.
	oneLine map[string]string
}

// New connects the control connection.
func New(ctx context.Context, cfg Config) (*Engine, error) {
	if cfg.MaxSteps == 0 {
		cfg.MaxSteps = 10_000
	}
	if cfg.StuckTimeout == 0 {
		cfg.StuckTimeout = time.Minute
	}
	if cfg.ExamineGrace == 0 {
		cfg.ExamineGrace = 2 * time.Second
	}
	if cfg.ControlConfig == nil {
		cfg.ControlConfig = cfg.ConnConfig
	}
	pg, err := pgx.ConnectConfig(ctx, cfg.ControlConfig())
	if err != nil {
		return nil, fmt.Errorf("connecting the control connection: %w", err)
	}
	e := &Engine{cfg: cfg, timer: newPrecise(), latency: 200 * time.Microsecond, oneLine: map[string]string{}, workers: newWorkers()}
	if cfg.Incarnation != nil {
		e.incarnation = cfg.Incarnation()
	}
	e.control = &conn{pg: pg, pid: pg.PgConn().PID()}
	if cfg.WaitLog == nil {
		var timeout time.Duration
		var text string
		if err := pg.QueryRow(ctx, "SELECT current_setting('deadlock_timeout')").Scan(&text); err != nil {
			e.Close()
			return nil, err
		}
		var ms float64
		if err := pg.QueryRow(ctx, "SELECT extract(epoch FROM $1::interval) * 1000", text).Scan(&ms); err != nil {
			e.Close()
			return nil, err
		}
		timeout = time.Duration(ms * float64(time.Millisecond))
		e.fallbackWait = timeout + timeout/2 + 50*time.Millisecond
	}
	return e, nil
}

// Control is the engine's control connection.
func (e *Engine) Control() *pgx.Conn { return e.control.pg }

// Config is the engine's configuration.
func (e *Engine) Config() Config { return e.cfg }

// Close closes every connection.
func (e *Engine) Close() {
	ctx := context.Background()
	e.cleaning.Wait()
	for _, c := range e.sessions {
		if c != nil {
			c.pg.Close(ctx)
		}
	}
	if e.control != nil {
		e.control.pg.Close(ctx)
	}
	e.timer.close()
	e.workers.close()
}

// session returns session i's connection, connecting it on first use or
// again after an abandoned schedule or a fault closed it.
func (e *Engine) session(ctx context.Context, i int) (*conn, error) {
	for len(e.sessions) <= i {
		e.sessions = append(e.sessions, nil)
	}
	if c := e.sessions[i]; c != nil && !c.pg.IsClosed() {
		return c, nil
	}
	c, err := e.connect(ctx, i)
	if err != nil {
		return nil, err
	}
	e.sessions[i] = c
	return c, nil
}

// connect opens a connection for session i, with its gate.
func (e *Engine) connect(ctx context.Context, i int) (*conn, error) {
	g := &gate{}
	cfg := e.cfg.ConnConfig()
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	maps.Copy(cfg.RuntimeParams, e.SessionParams())
	if e.cfg.Adjust != nil {
		e.cfg.Adjust(i, cfg)
	}
	cfg.Tracer = g // pgx copies the tracer when it connects
	pg, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting session %d: %w", i, err)
	}
	return &conn{pg: pg, pid: pg.PgConn().PID(), gate: g}, nil
}

// SessionParams are the run-time parameters every session's backend runs
// with: with a WaitLog, deadlock_timeout = 1ms and log_lock_waits = on. The
// engine sets them on its own connections; an External session's
// connections need them too (a relay adds them to each startup).
func (e *Engine) SessionParams() map[string]string {
	if e.cfg.WaitLog == nil {
		return nil
	}
	return map[string]string{"deadlock_timeout": "1ms", "log_lock_waits": "on"}
}

// ensureControl checks the control connection after a fault, and connects
// it again if the fault broke it.
func (e *Engine) ensureControl(ctx context.Context) error {
	if _, err := e.control.pg.Exec(ctx, "SELECT 1"); err == nil {
		return nil
	}
	e.control.pg.Close(ctx)
	pg, err := pgx.ConnectConfig(ctx, e.cfg.ControlConfig())
	if err != nil {
		return fmt.Errorf("connecting the control connection again: %w", err)
	}
	e.control = &conn{pg: pg, pid: pg.PgConn().PID()}
	return nil
}

// reconnectAfterRestart closes every session connection and makes the
// control connection again when the server restarted since they were made.
func (e *Engine) reconnectAfterRestart(ctx context.Context) error {
	if e.cfg.Incarnation == nil {
		return nil
	}
	now := e.cfg.Incarnation()
	if now == e.incarnation {
		return nil
	}
	for _, c := range e.sessions {
		if c != nil {
			c.pg.Close(ctx) // its backend is gone; connected again below
		}
	}
	clear(e.clean)
	if err := e.ensureControl(ctx); err != nil {
		return err
	}
	e.incarnation = now
	return nil
}

// ResetSQL returns a session to the state of a fresh connection — what
// DISCARD ALL does, except that it keeps the prepared statements pgx
// caches (they hold no session state a program can see): settings,
// session-level advisory locks, cursors, LISTEN, temporary tables,
// sequence state.
const ResetSQL = "RESET ALL; SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; DISCARD TEMP; DISCARD SEQUENCES"

// reset returns the connections of the sessions of roles, each clean:
// cleaned already behind the last schedule (cleanBehind), new, or reset
// now, in parallel: one round trip. An External role gets a placeholder
// without a connection.
func (e *Engine) reset(ctx context.Context, roles []Role) ([]*conn, error) {
	e.cleaning.Wait()
	if err := e.reconnectAfterRestart(ctx); err != nil {
		return nil, err
	}
	conns := make([]*conn, len(roles))
	var dirty []int // the engine's own sessions that need a reset now
	for i, r := range roles {
		if r.External {
			conns[i] = &conn{gate: &gate{}}
			continue
		}
		clean := i < len(e.clean) && e.clean[i]
		if i < len(e.sessions) && e.sessions[i] != nil && e.sessions[i].pg.PgConn().TxStatus() != 'I' {
			// Left inside a transaction: replaced, not trusted.
			e.sessions[i].pg.Close(ctx)
			clean = false
		}
		fresh := i >= len(e.sessions) || e.sessions[i] == nil || e.sessions[i].pg.IsClosed()
		c, err := e.session(ctx, i)
		if err != nil {
			return nil, err
		}
		conns[i] = c
		if !clean && !fresh {
			dirty = append(dirty, i)
		}
	}
	clear(e.clean)
	errs := make([]error, len(roles))
	var wg sync.WaitGroup
	for _, i := range dirty {
		wg.Go(func() { errs[i] = conns[i].pg.PgConn().Exec(ctx, ResetSQL).Close() })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil && conns[i].pg.IsClosed() {
			// Broken by a fault of an earlier schedule: a new one is clean.
			conns[i], errs[i] = e.session(ctx, i)
		}
	}
	for i, err := range errs {
		if err != nil {
			conns[i].pg.Close(ctx) // connected again next time
			return nil, fmt.Errorf("resetting session %d: %w", i, err)
		}
	}
	return conns, nil
}

// cleanBehind resets the sessions of a schedule that ended well while the
// next one starts (the program makes its rows on the control connection),
// so that the next schedule finds them clean. A Stateless program's
// sessions are clean once outside a transaction: no reset, no round trip.
func (e *Engine) cleanBehind(ctx context.Context, conns []*conn, stateless bool) {
	e.clean = slices.Grow(e.clean[:0], len(conns))[:len(conns)]
	for i, c := range conns {
		if stateless {
			e.clean[i] = c.pg != nil && !c.pg.IsClosed() && c.pg.PgConn().TxStatus() == 'I'
			continue
		}
		e.cleaning.Go(func() {
			if c.pg != nil && c.pg.PgConn().TxStatus() == 'I' {
				e.clean[i] = c.pg.PgConn().Exec(context.WithoutCancel(ctx), ResetSQL).Close() == nil
			}
		})
	}
}
