package spec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/interleave"
	"jbcheck.dev/jbcheck/harness/postgres"
)

// Options tune a Runner.
type Options struct {
	// Isolation, if set, is every session's default_transaction_isolation
	// ("serializable", "repeatable read", "read committed"), set at
	// connection start: a spec whose sessions say only BEGIN runs at it.
	Isolation string
	// ExamineGrace is how long a lock wait may go unexamined by the
	// deadlock detector before it counts as examined (interleave.Config):
	// specs give every session but a deadlock's victim a long
	// deadlock_timeout. Default 200 ms.
	ExamineGrace time.Duration
	// StuckTimeout bounds a wait for the server to end a blocked step that
	// the permutation waits for (default one minute).
	StuckTimeout time.Duration
	// BlockTimeout bounds a setup or teardown block (default one minute).
	BlockTimeout time.Duration
}

// Runner runs specs on a server, on an interleaving engine of its own: one
// connection per session, kept across permutations, and a control
// connection.
type Runner struct {
	server *postgres.Server
	opts   Options
	engine *interleave.Engine
	log    *postgres.LockWaitLog
	// backends reads the sessions' process titles (nil on a DSN server).
	backends *postgres.BackendFreezer
	router   *router
	dirty    bool // a permutation ended without its teardown
}

// NewRunner connects a runner to server.
func NewRunner(ctx context.Context, server *postgres.Server, opts Options) (*Runner, error) {
	if opts.ExamineGrace == 0 {
		opts.ExamineGrace = 200 * time.Millisecond
	}
	if opts.StuckTimeout == 0 {
		opts.StuckTimeout = time.Minute
	}
	if opts.BlockTimeout == 0 {
		opts.BlockTimeout = time.Minute
	}
	r := &Runner{opts: opts, router: newRouter(), server: server}
	cfg := interleave.Config{
		ConnConfig: func() *pgx.ConnConfig {
			c := r.router.configure(server.ConnConfig())
			watchDial(c)
			if opts.Isolation != "" {
				if c.RuntimeParams == nil {
					c.RuntimeParams = map[string]string{}
				}
				c.RuntimeParams["default_transaction_isolation"] = opts.Isolation
			}
			return c
		},
		ControlConfig: server.ConnConfig,
		ExamineGrace:  opts.ExamineGrace,
		StuckTimeout:  opts.StuckTimeout,
	}
	log, err := server.WaitLog()
	if err != nil {
		return nil, err
	}
	if log != nil {
		cfg.WaitLog, r.log = log, log
	}
	// No Freezer: isolationtester lets the operating system wake sessions
	// as it will, and a spec's expected output is written against that.
	if b := server.Backends(); b != nil {
		cfg.LockWaits, r.backends = b, b
	}
	if r.engine, err = interleave.New(ctx, cfg); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// NewOracle opens an oracle for sp on the runner's server, with its
// options.
func (r *Runner) NewOracle(ctx context.Context, sp *Spec, finalQuery string) (*Oracle, error) {
	return NewOracle(ctx, r.server, sp, r.opts, finalQuery)
}

// Close closes the runner's connections.
func (r *Runner) Close() {
	if r.engine != nil {
		r.engine.Close()
	}
	if r.log != nil {
		r.log.Close()
	}
	if r.backends != nil {
		r.backends.Close()
	}
}

// Run runs the spec as isolationtester does — its permutations, or every
// interleaving when it lists none — and writes isolationtester's standard
// output to stdout and its warnings and failures to stderr.
func (r *Runner) Run(ctx context.Context, sp *Spec, stdout, stderr io.Writer) error {
	for _, w := range sp.Warnings {
		fmt.Fprintln(stderr, w)
	}
	fmt.Fprintf(stdout, "Parsed test spec with %d sessions\n", len(sp.Sessions))
	var err error
	each := func(perm *Permutation) bool {
		var res *PermResult
		res, err = r.Permutation(ctx, sp, perm, nil)
		if res != nil {
			io.WriteString(stdout, res.Output)
			io.WriteString(stderr, res.Errors)
		}
		return err == nil
	}
	if len(sp.Permutations) > 0 {
		for _, perm := range sp.Permutations {
			if !each(perm) {
				break
			}
		}
	} else {
		sp.AllPermutations(each)
	}
	return err
}

// cleanUp runs the spec's teardown at once after a run that ended without
// it (an error, or a serial run stopped), so that the next run — of this
// runner or of another on the same database — starts from nothing.
func (r *Runner) cleanUp(ctx context.Context, sp *Spec) {
	if !r.dirty || ctx.Err() != nil {
		return
	}
	if sp.Teardown != nil {
		tctx, cancel := context.WithTimeout(ctx, r.opts.BlockTimeout)
		r.engine.Control().PgConn().Exec(tctx, sp.Teardown.SQL).Close()
		cancel()
	}
	r.dirty = false
}

// PermResult is one permutation's run.
type PermResult struct {
	Output string // isolationtester's standard output, from "starting permutation:" on
	Errors string // its standard error
	Obs    *Observation
}

// Permutation runs one permutation and returns what isolationtester prints
// of it. With final, the final state is read (after the sessions'
// teardowns, before the spec's) into the observation.
func (r *Runner) Permutation(ctx context.Context, sp *Spec, perm *Permutation, final *finalState) (*PermResult, error) {
	return r.permutation(ctx, sp, perm, final, false)
}

// ErrInvalidPermutation reports a permutation that sends a step of a
// session whose previous step waits for a lock nothing will release.
var ErrInvalidPermutation = errors.New("invalid permutation")

// ErrBlockedSerially reports a serial run in which a step waited for a lock
// — held by no transaction of the order (they ran one after another), but
// by a session outside a transaction, or taken in a session's setup: the
// order cannot run serially.
var ErrBlockedSerially = errors.New("a step waits for a lock, run serially")

// permutation runs one permutation; serial, it stops at the first step
// that waits for a lock (ErrBlockedSerially).
func (r *Runner) permutation(ctx context.Context, sp *Spec, perm *Permutation, final *finalState, serial bool) (*PermResult, error) {
	plan := make([][]*Step, len(sp.Sessions))
	for _, ps := range perm.Steps {
		plan[ps.Step.Session] = append(plan[ps.Step.Session], ps.Step)
	}
	runCtx, abort := context.WithCancel(ctx)
	defer abort()
	t := newTester(perm, len(sp.Sessions))
	if serial {
		t.abort = abort
	}
	p := &program{spec: sp, router: r.router, plan: plan, tester: t, final: final, timeout: r.opts.BlockTimeout, dirty: r.dirty}
	res, err := r.engine.Run(runCtx, p, t)
	r.dirty = p.dirty
	if r.dirty && t.run != nil {
		t.run.release(ctx) // the run stopped: its sessions' locks would block the teardown and the next run
	}
	r.cleanUp(ctx, sp)
	out := &PermResult{Output: "\nstarting permutation: " + strings.Join(perm.Names(), " ") + "\n"}
	if t.run != nil {
		out.Output += t.run.out.String()
		out.Errors = t.run.errOut.String()
	}
	switch {
	case ctx.Err() != nil:
		return out, ctx.Err()
	case t.err != nil:
		return out, t.err
	case errors.Is(err, interleave.ErrStuck) && t.stalled != "":
		return out, fmt.Errorf("%w: %s, and nothing releases it: the permutation is invalid (isolationtester would cancel the waiting step after PGISOLATIONTIMEOUT, 300 s by default, and go on)", ErrInvalidPermutation, t.stalled)
	case err != nil:
		var setup *SetupError
		if errors.As(err, &setup) {
			return out, setup
		}
		return out, err
	}
	out.Obs = res.Outcome.Evidence.(*Observation)
	return out, nil
}
