package spec

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"jbcheck.dev/jbcheck/harness/interleave"
)

// program is a spec as a program of the interleaving engine: one role per
// session. The spec's setup blocks run on the control connection in Start,
// a session's setup on its own connection as its body starts (below the
// engine's gate: every session is set up before any step is granted), each
// step is one operation of one simple-query message, and the teardowns run
// in Finish, once every step has ended.
type program struct {
	spec   *Spec
	router *router
	// plan is, per session, the steps it runs: a permutation's steps of that
	// session, or (exploring) all of them.
	plan    [][]*Step
	tester  *tester // replaying a permutation: its Director, which prints
	final   *finalState
	reduce  bool
	timeout time.Duration // bound on a setup or teardown block
	// dirty: a schedule ended without its teardown (an error), so the next
	// Start runs the teardown first.
	dirty bool
	// judge, exploring, sees each schedule's observation once its teardown
	// ran, and says whether it failed (a serializability violation).
	judge func(ctx context.Context, obs *Observation) (bool, error)
}

func (p *program) Roles() []interleave.Role {
	roles := make([]interleave.Role, len(p.spec.Sessions))
	for i, s := range p.spec.Sessions {
		roles[i] = interleave.Role{Name: s.Name}
	}
	return roles
}

func (p *program) Tuning() interleave.Tuning { return interleave.Tuning{Reduce: p.reduce} }

// SetupError is a setup block that failed: isolationtester stops there.
type SetupError struct {
	Session string // "" for the spec's own setup
	Err     error
}

func (e *SetupError) Error() string {
	if e.Session == "" {
		return "setup failed: " + strings.TrimSuffix(fullError(e.Err), "\n")
	}
	return fmt.Sprintf("setup of session %s failed: %s", e.Session, strings.TrimSuffix(fullError(e.Err), "\n"))
}

func (e *SetupError) Unwrap() error { return e.Err }

func (p *program) Start(ctx context.Context, s *interleave.Schedule) (interleave.Run, error) {
	control := s.Control().PgConn()
	if p.dirty && p.spec.Teardown != nil {
		control.Exec(ctx, p.spec.Teardown.SQL).Close() // what a failed schedule left
	}
	n := len(p.spec.Sessions)
	r := &run{p: p, pids: map[uint32]string{}, steps: make([][]*opRec, n), setups: make([]*opRec, n), conns: make([]*pgconn.PgConn, n)}
	for i, sess := range p.spec.Sessions {
		r.sessions = append(r.sessions, &sessionRec{name: sess.Name, pids: r.sender})
		for _, st := range p.plan[i] {
			r.steps[i] = append(r.steps[i], &opRec{step: st, session: i})
		}
	}
	if p.tester != nil {
		p.tester.bind(r) // before the setup: what it printed is shown, should it fail
	}
	if p.final != nil {
		if err := p.final.discover(ctx, control, func() error { return r.setup(ctx, control) }); err != nil {
			return nil, err
		}
	} else if err := r.setup(ctx, control); err != nil {
		return nil, err
	}
	return r, nil
}

// run is one schedule of a program.
type run struct {
	p        *program
	sessions []*sessionRec
	steps    [][]*opRec      // per session, its steps' executions, in order
	setups   []*opRec        // per session (nil without a setup block)
	out      strings.Builder // what isolationtester prints on standard output
	errOut   strings.Builder // ... and on standard error

	mu     sync.Mutex
	conns  []*pgconn.PgConn // per session, its connection in this schedule
	pids   map[uint32]string
	grants []*opRec // steps in the order they were granted
}

// setup runs the spec's setup blocks on the control connection, printing
// each block's last result set as isolationtester does.
func (r *run) setup(ctx context.Context, control *pgconn.PgConn) error {
	r.p.dirty = true
	for _, b := range r.p.spec.Setups {
		op := &opRec{session: -1}
		if _, err := exec(ctx, nil, control, b.SQL, op); err != nil {
			return &SetupError{Err: err}
		}
		if err := r.printBlock(op); err != nil {
			return &SetupError{Err: err}
		}
	}
	return nil
}

// errEmptyQuery is PQexec's answer to a block with no statement: neither a
// command nor a result set, which isolationtester counts as a failure.
var errEmptyQuery = errors.New("")

// blockErr is how isolationtester judges a setup or teardown block it ran
// with PQexec, from its last result: an error, or an empty query, fails.
func (op *opRec) blockErr() error {
	switch it := op.last(); {
	case it.err != nil:
		return it.err
	case !it.tuples && it.tag == "":
		return errEmptyQuery
	}
	return nil
}

// printBlock prints what isolationtester prints of a setup or teardown
// block: its last result, if it is a result set; or it returns the block's
// failure.
func (r *run) printBlock(op *opRec) error {
	if err := op.blockErr(); err != nil {
		return err
	}
	if it := op.last(); it.tuples {
		writeResultSet(&r.out, it.names, it.rows)
	}
	return nil
}

// sender names the session whose backend sent a notification.
func (r *run) sender(pid uint32) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if name, ok := r.pids[pid]; ok {
		return name
	}
	return fmt.Sprintf("PID %d", pid)
}

func (r *run) Session(ctx context.Context, s *interleave.Session) error {
	i := s.ID()
	rec := r.sessions[i]
	pg := s.Conn().PgConn()
	r.mu.Lock()
	r.pids[pg.PID()] = rec.name
	r.conns[i] = pg
	r.mu.Unlock()
	r.p.router.own(pg, rec)
	if b := r.p.spec.Sessions[i].Setup; b != nil {
		op := &opRec{session: i}
		bctx, cancel := context.WithTimeout(ctx, r.p.timeout)
		exec(bctx, rec, pg, b.SQL, op)
		cancel()
		r.setups[i] = op
		if err := op.blockErr(); err != nil {
			return &SetupError{Session: rec.name, Err: err}
		}
	}
	for _, op := range r.steps[i] {
		sql := op.step.SQL
		s.Op(func() { r.granted(op) }, func() error {
			return s.Raw(sql, func(pg *pgconn.PgConn) (pgconn.CommandTag, error) { return exec(ctx, rec, pg, sql, op) })
		})
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

func (r *run) granted(op *opRec) {
	r.mu.Lock()
	r.grants = append(r.grants, op)
	r.mu.Unlock()
}
