package schedule

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/interleave"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/record"
	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

// program is the join-and-balance protocol as an interleaving program: one
// session per client of the scenario, running its calls in order, and the
// variant's background worker, if it has one. Each schedule runs in a
// fresh world, is recorded as a history and judged by histories.Check.
type program struct {
	e  *Executor
	sc model.Scenario
}

// Roles implements interleave.Program.
func (p *program) Roles() []interleave.Role {
	var roles []interleave.Role
	for i := range p.sc.Clients {
		roles = append(roles, interleave.Role{Name: fmt.Sprintf("c%d", i)})
	}
	if p.e.background() {
		roles = append(roles, interleave.Role{Name: "worker", Background: true})
	}
	for i := range roles {
		roles[i].External = p.e.driver != nil
	}
	return roles
}

// Tuning implements interleave.Program.
func (p *program) Tuning() interleave.Tuning {
	// The protocol's calls keep nothing in a session outside their
	// transactions (protocol.TestCallsLeaveNoSessionState). Its rows are
	// the schedule's own world in the lane's own schema, and nothing but
	// its sessions touches them while it runs — unless an application
	// (a Driver) makes the calls with connections of its own.
	t := interleave.Tuning{Reduce: p.e.Reduce, Audits: p.e.Audits, Stateless: true, SelfContained: p.e.driver == nil}
	if p.e.faulty() {
		t.Faults = p.e.maxFaults
	}
	return t
}

// Start implements interleave.Program: a fresh world and a history.
func (p *program) Start(ctx context.Context, s *interleave.Schedule) (interleave.Run, error) {
	world, err := p.e.worlds.take(ctx, s.Control(), p.sc.World)
	if err != nil {
		return nil, err
	}
	header := histories.ScenarioHeader{Clients: p.sc.String(), World: p.sc.World.String(), Reduce: p.e.Reduce, Audits: p.e.Audits}
	if p.e.faulty() {
		for _, f := range p.e.faults {
			header.Faults = append(header.Faults, f.Name())
		}
		header.MaxFaults = p.e.maxFaults
	}
	scenario, _ := json.Marshal(header)
	r := &run{p: p, sch: s, world: world, answers: make([][]string, len(p.sc.Clients)), sessions: make([]*interleave.Session, len(p.sc.Clients))}
	r.header = histories.Header{Format: histories.Format, Version: histories.Version, Variant: p.e.Name(),
		Mode: histories.ModeSchedule, Scenario: scenario, Worlds: map[int64]model.World{world: p.sc.World},
		Postgres: p.e.server.Version(), Command: p.e.Command, Started: time.Now().UTC(), Lagging: p.e.background()}
	// Finish judges the history in memory; its lines are made only for a
	// schedule whose file is asked for (Result.File).
	w := histories.NewMemoryWriter()
	r.writer = w
	// The clock is the step counter: the invoke of a call is stamped when
	// its first step is granted (3k), completions in the pause after grant
	// k get 3k+1, audits between two steps 3k+2.
	r.rec = record.New(w, func(kind histories.Kind) int64 {
		k := s.Steps()
		switch kind {
		case histories.Invoke:
			return 3 * k
		case histories.Audit, histories.Fault:
			return 3*k + 2
		}
		return 3*k + 1
	})
	return r, nil
}

// run is one schedule of the program.
type run struct {
	p      *program
	sch    *interleave.Schedule
	world  int64
	header histories.Header
	writer *histories.Writer
	rec    *record.Recorder
	// answers are each client's calls with their answers so far, written
	// by the client's goroutine before it reaches its next gate.
	answers [][]string
	// sessions are the clients' sessions, for faults aimed at one.
	sessions []*interleave.Session
}

// Session implements interleave.Run.
func (r *run) Session(ctx context.Context, s *interleave.Session) error {
	sleeper := protocol.WithSleeper(ctx, func(ctx context.Context, _ time.Duration) { s.Sleep(ctx) })
	if s.ID() >= len(r.p.sc.Clients) {
		return r.worker(ctx, s, sleeper)
	}
	r.sessions[s.ID()] = s
	for j, in := range r.p.sc.Clients[s.ID()] {
		in.World = r.world
		callCtx := sleeper
		if r.p.e.faulty() {
			callCtx = protocol.WithOperationID(sleeper, fmt.Sprintf("c%d-%d", s.ID(), j))
		}
		var out model.Output
		var callErr, invokeErr, runErr error
		var retried bool
		err := s.Op(func() { invokeErr = r.rec.Invoke(s.ID(), in) }, func() error {
			out, callErr, retried, runErr = r.apply(ctx, callCtx, s, in)
			return nil
		})
		if err = cmp.Or(err, invokeErr, runErr); err != nil {
			return err
		}
		complete := r.rec.Complete
		if retried {
			complete = r.rec.CompleteRetried
		}
		kind, err := complete(s.ID(), in, out, callErr)
		if err != nil {
			return err
		}
		text := model.DescribeCall(in, &out)
		if kind != histories.OK {
			text = fmt.Sprintf("%s → %s", in, kind)
		}
		r.answers[s.ID()] = append(r.answers[s.ID()], text)
		s.Logf("%s", text)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}

// worker runs the variant's background worker; a fault that breaks its
// connection costs it a reconnection, not the schedule.
func (r *run) worker(ctx context.Context, s *interleave.Session, sleeper context.Context) error {
	if d := r.p.e.driver; d != nil {
		return d.Work(ctx, s)
	}
	for {
		err := protocol.RunWorker(sleeper, r.p.e.variant.(protocol.Worker), s.Conn(), 0)
		if err == nil || !r.p.e.faulty() || !s.Conn().IsClosed() {
			return err
		}
		if err := s.Reconnect(ctx); err != nil {
			return err
		}
	}
}

// Audit implements interleave.Auditor: a snapshot of the world between two
// steps, for the invariants that must hold at every instant.
func (r *run) Audit(ctx context.Context, control *pgx.Conn) error {
	read := func() (model.Snapshot, error) { return protocol.Audit(ctx, control, r.world) }
	return r.rec.Audit(r.world, read, false)
}

// SymmetryKey implements interleave.Symmetric: a client's answers so far
// and the calls it has left.
func (r *run) SymmetryKey(c int) (string, bool) {
	if c >= len(r.p.sc.Clients) {
		return "", false
	}
	var left []string
	for _, in := range r.p.sc.Clients[c][len(r.answers[c]):] {
		left = append(left, in.String())
	}
	return strings.Join(r.answers[c], ";") + "|" + strings.Join(left, " "), true
}

// Finish implements interleave.Run: the final audit, the history with its
// schedule, and the verdict.
func (r *run) Finish(ctx context.Context, s *interleave.Schedule) (interleave.Outcome, error) {
	read := func() (model.Snapshot, error) { return protocol.Audit(ctx, s.Control(), r.world) }
	if err := r.rec.Audit(r.world, read, true); err != nil {
		return interleave.Outcome{}, err
	}
	// The choices are known only now: the header carries them.
	r.header.Schedule = s.Choices()
	h, err := r.writer.History(r.header, "schedule")
	if err != nil {
		return interleave.Outcome{}, fmt.Errorf("%w: the schedule's own history is malformed: %v", interleave.ErrInternal, err)
	}
	verdict := histories.Check(h, histories.CheckOptions{})
	return interleave.Outcome{Key: Outcome(h), Failed: len(verdict.Violated()) > 0,
		Evidence: &evidence{history: h, writer: r.writer, header: r.header, verdict: verdict}}, nil
}

// evidence is what a schedule leaves for its Result: its history as judged
// (as reading its file gives it back), what makes the file, and the
// verdict.
type evidence struct {
	history *histories.History
	writer  *histories.Writer
	header  histories.Header
	verdict histories.Verdict
}
