package spec

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"jbcheck.dev/jbcheck/harness/interleave"
)

// Finish ends a schedule once every step has ended: the tester's last
// reports (replaying a permutation), the sessions' teardowns in session
// order, the final state (when the program reads it), then the spec's
// teardown; and judges it: its Outcome's key is what every step returned
// and the final state, its evidence the Observation.
func (r *run) Finish(ctx context.Context, s *interleave.Schedule) (interleave.Outcome, error) {
	defer r.p.router.disown(r.sessions)
	if t := r.p.tester; t != nil {
		if err := t.finish(); err != nil {
			return interleave.Outcome{}, err
		}
	}
	open := r.teardown(ctx)
	obs := r.observe()
	for i, pg := range open {
		if pg != nil {
			// Still in a transaction: end it, so that the final state can be
			// read and the engine need not replace the connection.
			pg.Exec(ctx, "ROLLBACK").Close()
			obs.Open = append(obs.Open, r.sessions[i].name)
		}
	}
	if f := r.p.final; f != nil {
		// Another runner (an exploration's oracle) may run next on the same
		// database: session-level locks left here would block it.
		r.release(ctx)
		state, rows, err := f.read(ctx, s.Control().PgConn())
		if err != nil {
			return interleave.Outcome{}, err
		}
		obs.Final, obs.FinalRows = state, rows
	}
	if b := r.p.spec.Teardown; b != nil {
		op := &opRec{session: -1}
		exec(ctx, nil, s.Control().PgConn(), b.SQL, op)
		if err := r.printBlock(op); err != nil {
			fmt.Fprintf(&r.errOut, "teardown failed: %s", fullError(err))
		}
	}
	r.p.dirty = false
	out := interleave.Outcome{Key: obs.Key(), Evidence: obs}
	if r.p.judge != nil {
		obs.Choices = s.Choices()
		failed, err := r.p.judge(ctx, obs)
		if err != nil {
			return interleave.Outcome{}, err
		}
		out.Failed = failed
	}
	return out, nil
}

// teardown runs each session's teardown block on its connection, printing
// its notices and last result set as isolationtester does, and returns the
// connections left inside a transaction (nil for the others).
func (r *run) teardown(ctx context.Context) []*pgconn.PgConn {
	open := make([]*pgconn.PgConn, len(r.sessions))
	for i, sess := range r.p.spec.Sessions {
		rec := r.sessions[i]
		pg := r.conn(i)
		if pg == nil {
			continue
		}
		if b := sess.Teardown; b != nil {
			op := &opRec{session: i}
			bctx, cancel := context.WithTimeout(ctx, r.p.timeout)
			exec(bctx, rec, pg, b.SQL, op)
			cancel()
			if t := r.p.tester; t != nil {
				t.poll(i)
			}
			if err := r.printBlock(op); err != nil {
				fmt.Fprintf(&r.errOut, "teardown of session %s failed: %s", sess.Name, fullError(err))
			}
		}
		if pg.TxStatus() != 'I' {
			open[i] = pg
		}
	}
	return open
}

// release lets go of every lock the sessions hold: it rolls back a
// transaction left open, and releases session-level advisory locks.
func (r *run) release(ctx context.Context) {
	for i := range r.sessions {
		if pg := r.conn(i); pg != nil && !pg.IsClosed() {
			sql := "SELECT pg_advisory_unlock_all()"
			if pg.TxStatus() != 'I' {
				sql = "ROLLBACK; " + sql
			}
			pg.Exec(ctx, sql).Close()
		}
	}
}

// conn is session i's connection in this schedule.
func (r *run) conn(i int) *pgconn.PgConn {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.conns[i]
}

// Observation is what one schedule showed: every step's output, session by
// session, and the final state.
type Observation struct {
	Sessions []string
	// Steps are, per session, the executions of its steps in order.
	Steps [][]StepResult
	// Order is the steps in the order they were granted: the schedule as a
	// permutation.
	Order     []*Step
	Final     string   // the final state, as result sets ("" when not read)
	FinalRows []string // the same, a row a line: "TABLE: v1|v2"
	Open      []string // sessions still inside a transaction after their steps
	Choices   []int    // the engine's choices (exploring)
}

// StepResult is one execution of a step.
type StepResult struct {
	Step     *Step
	Output   string // result sets and error, as isolationtester prints them, after the notices it sent
	TxBefore byte
	TxAfter  byte
	Commit   bool // it ended a transaction with a commit
	Wrote    bool // a command tag that writes (INSERT, UPDATE, DELETE, MERGE, COPY FROM, DDL)
}

func (r *run) observe() *Observation {
	obs := &Observation{Steps: make([][]StepResult, len(r.sessions))}
	for i, rec := range r.sessions {
		obs.Sessions = append(obs.Sessions, rec.name)
		for _, op := range r.steps[i] {
			obs.Steps[i] = append(obs.Steps[i], StepResult{Step: op.step,
				Output:   strings.Join(op.notices, "") + op.render(),
				TxBefore: op.txBefore, TxAfter: op.txAfter, Commit: op.committed(), Wrote: op.wrote()})
		}
	}
	r.mu.Lock()
	for _, op := range r.grants {
		obs.Order = append(obs.Order, op.step)
	}
	r.mu.Unlock()
	return obs
}

// Key is the observation as an outcome key: equal keys, equal behaviour.
func (o *Observation) Key() string {
	var b strings.Builder
	for i, steps := range o.Steps {
		for _, st := range steps {
			fmt.Fprintf(&b, "%s.%s:\n%s", o.Sessions[i], st.Step.Name, st.Output)
		}
	}
	if len(o.Open) > 0 {
		fmt.Fprintf(&b, "open after the steps: %s\n", strings.Join(o.Open, " "))
	}
	b.WriteString("final:\n")
	b.WriteString(o.Final)
	return b.String()
}

// Permutation is the schedule as a permutation line.
func (o *Observation) Permutation() string {
	names := make([]string, len(o.Order))
	for i, st := range o.Order {
		names[i] = quoteName(st.Name)
	}
	return strings.Join(names, " ")
}
