package schedule

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/fault"
	"jbcheck.dev/jbcheck/harness/interleave"
	"jbcheck.dev/jbcheck/histories"
)

// ErrFaultNotSchedulable reports a fault schedule mode cannot place at a
// step: cancel and pause act on time (a statement running, a server
// stalled), and between two steps nothing runs.
var ErrFaultNotSchedulable = errors.New("not a fault schedule mode can inject between two steps")

// SetFaults makes every schedule offer faults between its steps: at most
// most per schedule, each of faults at every point (a server fault once, a
// session fault once per client with calls left). Crash, kill and
// lose-reply can be scheduled; server faults need a single lane (they hit
// every lane's connections).
func (e *Executor) SetFaults(faults []fault.Fault, most int) error {
	if e.driver != nil && len(faults) > 0 && most > 0 {
		return errDriverFaults
	}
	faults = slices.Clone(faults)
	for i, f := range faults {
		switch f.Name() {
		case "crash", "kill":
		case "lose-reply":
			// The reply lost is the next commit's — a COMMIT, or a
			// statement outside a transaction — whatever round trips pgx
			// makes before it (a statement prepared on a fresh connection
			// and not on one that ran it before): replays lose the same.
			faults[i] = fault.LoseReply{Commit: true}
		default:
			return fmt.Errorf("%s: %w (use it with jbcheck run)", f.Name(), ErrFaultNotSchedulable)
		}
		if err := f.Applies(e.server); err != nil {
			return err
		}
	}
	e.faults, e.maxFaults = faults, most
	return nil
}

// faulty reports whether schedules may inject faults: then every call is
// named (an operation id) and a call whose connection is lost is sent again.
func (e *Executor) faulty() bool { return len(e.faults) > 0 && e.maxFaults > 0 }

// Faults implements interleave.Faulter: the server faults, then each
// session fault for every client with calls left.
func (r *run) Faults() []string {
	var out []string
	for _, f := range r.p.e.faults {
		if f.OnServer() {
			out = append(out, f.Name())
			continue
		}
		for c, calls := range r.p.sc.Clients {
			if len(r.answers[c]) < len(calls) {
				out = append(out, fmt.Sprintf("%s c%d", f.Name(), c))
			}
		}
	}
	return out
}

// Fault implements interleave.Faulter: it injects the k-th fault of Faults
// and records it in the history.
func (r *run) Fault(ctx context.Context, k int) error {
	label := r.Faults()[k]
	name, client, onSession := strings.Cut(label, " ")
	var f fault.Fault
	for _, g := range r.p.e.faults {
		if g.Name() == name {
			f = g
		}
	}
	t := fault.Target{Server: r.p.e.server, Control: r.sch.Control()}
	target := "server"
	if onSession {
		c, _ := strconv.Atoi(strings.TrimPrefix(client, "c"))
		t.PID, t.Link, target = r.sessions[c].PID(), fault.LinkOf(r.sessions[c].Conn()), client
	}
	return r.rec.Fault(name, target, func() error { return f.Inject(ctx, t) })
}

// call runs one call of a client: apply returns the call's error. When
// faults may cut a call off and its connection was lost, the call is sent
// again, once, on a new connection (it runs under its operation id, so an
// idempotent variant does not run it twice); a connection still broken
// after that is replaced for the next call. The error is the harness's own
// (a reconnection that failed).
func (r *run) call(ctx context.Context, s *interleave.Session, apply func(*pgx.Conn) error) (retried bool, err error) {
	if apply(s.Conn()) == nil || !r.p.e.faulty() || !s.Conn().IsClosed() {
		return false, nil
	}
	if err := s.Reconnect(ctx); err != nil {
		return false, err
	}
	if apply(s.Conn()) != nil && s.Conn().IsClosed() {
		return true, s.Reconnect(ctx)
	}
	return true, nil
}

// Recorded sets e up as a schedule-mode history says it ran — reductions,
// audits and faults decide where the choices are — so that the history's
// schedule replays exactly.
func (e *Executor) Recorded(h histories.ScenarioHeader) error {
	e.Reduce, e.Audits = h.Reduce, h.Audits
	if len(h.Faults) == 0 {
		return e.SetFaults(nil, 0)
	}
	faults, err := fault.Parse(strings.Join(h.Faults, ","))
	if err != nil {
		return fmt.Errorf("the history's faults: %w", err)
	}
	return e.SetFaults(faults, h.MaxFaults)
}
