package interleave

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// Run runs one schedule of p under the choices of ch: Start, then every
// session's body one step at a time, then Finish.
//
// With a WaitLog the run speculates that a lone lock wait is no deadlock
// (settle); when the server then finds one, the run is made again without
// speculating, replaying the choices made so far, so a schedule's outcome
// never depends on the speculation. A Director's run never speculates, nor
// a run with External sessions: their connections are not the engine's to
// abandon and make again.
func (e *Engine) Run(ctx context.Context, p Program, ch Chooser) (*Result, error) {
	_, directed := ch.(Director)
	external := slices.ContainsFunc(p.Roles(), func(r Role) bool { return r.External })
	res, err := e.run(ctx, p, ch, e.cfg.WaitLog != nil && !directed && !external && !e.cfg.Conservative)
	var mis *errMisspeculated
	if errors.As(err, &mis) {
		res, err = e.run(ctx, p, &resume{made: mis.made, then: ch}, false)
		if res != nil {
			res.Rerun = true
		}
	}
	return res, err
}

func (e *Engine) run(ctx context.Context, p Program, ch Chooser, speculate bool) (*Result, error) {
	roles := p.Roles()
	conns, err := e.reset(ctx, roles)
	if err != nil {
		return nil, err
	}
	st := newRunState(e, len(roles))
	sch := &Schedule{engine: e, state: st}
	run, err := p.Start(ctx, sch)
	if err != nil && e.control.pg.IsClosed() {
		// The server restarted since the last schedule (a fault, or a
		// crash test running beside us): connect again, and start again.
		if err = e.ensureControl(ctx); err == nil {
			run, err = p.Start(ctx, sch)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("starting a schedule: %w", err)
	}
	sessions := make([]*Session, len(roles))
	for i, r := range roles {
		sessions[i] = &Session{id: i, role: r, conn: conns[i], st: st}
		conns[i].gate.session.Store(sessions[i])
	}
	sessionCtx, cancelSessions := context.WithCancel(ctx)
	backgroundCtx, stopBackground := context.WithCancel(sessionCtx)
	var wg sync.WaitGroup
	defer func() {
		close(st.stop) // abandon whatever is left
		cancelSessions()
		wg.Wait()
		for _, c := range e.sessions {
			if c != nil {
				c.gate.session.Store(nil)
			}
		}
		stopBackground()
	}()
	for i, s := range sessions {
		bodyCtx := sessionCtx
		if roles[i].Background {
			bodyCtx = backgroundCtx
		}
		e.workers.Go(&wg, func() {
			var err error
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("%w: panic in session %s: %v", ErrInternal, s.Name(), r)
				}
				st.send(event{session: i, kind: evDone, err: err})
			}()
			err = run.Session(bodyCtx, s)
		})
	}
	sc := newScheduler(e, p, run, roles, conns, st, ch, speculate)
	// Before the sessions are abandoned above: a stopped backend would
	// never answer their cancellations.
	defer sc.thawAll()
	err = sc.loop(ctx, stopBackground)
	for i, c := range sc.conns {
		if !roles[i].External {
			e.sessions[i] = c // sessions that reconnected keep their new connection
		}
	}
	if err != nil {
		return nil, err
	}
	sc.res.Steps = int(st.step.Load())
	out, err := run.Finish(ctx, sch)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, err
		}
		return nil, fmt.Errorf("judging the schedule: %w", err)
	}
	sc.res.Outcome = out
	e.cleanBehind(ctx, sc.conns, sc.tuning.Stateless)
	return &sc.res, nil
}
