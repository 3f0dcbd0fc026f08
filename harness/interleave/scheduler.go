package interleave

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

type status int

const (
	running     status = iota // in Go code
	inStatement               // a granted step in flight
	blocked                   // a granted statement waiting for a lock, examined by the deadlock detector
	atGate
	asleep
	done
)

// scheduler is the loop of one schedule.
type scheduler struct {
	e       *Engine
	prog    Program
	run     Run
	roles   []Role
	conns   []*conn
	st      *runState
	chooser Chooser
	tuning  Tuning

	status []status
	next   []event // each session's step at its gate
	// waiting: "<waiting ...>" was written for the session's statement.
	waiting []bool
	// rank orders sessions by when they began waiting (0: never), for the
	// order of completions in a pause.
	rank         []int
	ranks        int
	lastExamined []time.Time // per session: the lock wait the deadlock detector was seen to examine (without a WaitLog)
	grantedAt    []time.Time // per session: when its step in flight was granted
	// inOp: inside Session.Op; sinceAttempt: steps (other than a bare
	// BEGIN) since the operation or its last rolled-back attempt began;
	// restarts: rolled-back attempts.
	inOp         []bool
	sinceAttempt []int
	restarts     []int
	parked       map[int]bool
	finalRound   bool
	current      int
	granted      int // the session granted last: its lines come first in a pause
	audits       int
	audited      bool // the last choice was an audit
	faults       int
	faulted      bool     // the last choice was a fault
	offered      []string // the faults offered at the last point
	idleWakes    int      // rounds of waking sleepers without a step in between
	res          Result
	pause        map[int][]string
	// speculate: a lone lock wait settles before the deadlock detector
	// examined it (speculate.go); unexamined marks such waits; speculated:
	// a step was granted past one, when the log had counted
	// deadlocksBefore deadlocks.
	speculate       bool
	unexamined      []bool
	speculated      bool
	deadlocksBefore int
	// frozen: the session's server process is stopped (freeze.go).
	frozen []bool
	// tx: each session's transaction status after its last statement, as
	// the server reported it ('I' idle, 'T' in a transaction, 'E' failed).
	tx []byte
}

func newScheduler(e *Engine, p Program, run Run, roles []Role, conns []*conn, st *runState, ch Chooser, speculate bool) *scheduler {
	n := len(roles)
	return &scheduler{e: e, prog: p, run: run, roles: roles, conns: conns, st: st, chooser: ch, tuning: p.Tuning(),
		speculate: speculate, unexamined: make([]bool, n), frozen: make([]bool, n), tx: bytes.Repeat([]byte{'I'}, n),
		status: make([]status, n), next: make([]event, n), waiting: make([]bool, n), rank: make([]int, n),
		lastExamined: make([]time.Time, n), grantedAt: make([]time.Time, n), inOp: make([]bool, n), sinceAttempt: make([]int, n), restarts: make([]int, n),
		parked: map[int]bool{}, current: -1, granted: -1, pause: map[int][]string{}}
}
func (s *scheduler) loop(ctx context.Context, stopBackground context.CancelFunc) error {
	for {
		if err := s.settle(ctx); err != nil {
			return err
		}
		var enabled, sleepers []int
		for i, st := range s.status {
			switch st {
			case atGate:
				enabled = append(enabled, i)
			case asleep:
				sleepers = append(sleepers, i)
			}
		}
		if d, ok := s.chooser.(Director); ok && (len(enabled) > 0 || s.inFlight()) {
			pick, err := s.direct(d, enabled)
			if err == nil && pick == Wait {
				err = s.awaitServer(ctx)
			} else if err == nil {
				err = s.grant(pick)
			}
			if err != nil {
				return err
			}
			continue
		}
		if len(enabled) > 0 {
			pick := s.choose(enabled)
			if pick == AuditorID {
				if err := s.audit(ctx); err != nil {
					return err
				}
				continue
			}
			if k, ok := faultOf(pick); ok {
				if err := s.fault(ctx, k); err != nil {
					return err
				}
				continue
			}
			if err := s.grant(pick); err != nil {
				return err
			}
			continue
		}
		if s.foregroundDone() {
			if !s.backgroundLeft() {
				return nil
			}
			if len(sleepers) == len(s.backgroundNotDone()) {
				// Every background session is idle and nobody will step
				// again. Its last round may have started before the last
				// commit, so it gets one more; idle again, it has caught up.
				if !s.finalRound {
					s.finalRound = true
					s.wake(sleepers)
					continue
				}
				stopBackground()
				for _, c := range sleepers {
					s.status[c] = running
				}
				continue
			}
		}
		if len(sleepers) > 0 {
			// Nobody can move but sessions waiting for time to pass (a
			// backoff, a poll): let it pass. A loop that never ends hits
			// MaxSteps, or this bound when it never even steps.
			if s.idleWakes++; s.idleWakes > 1000 {
				return fmt.Errorf("%w: sessions %v keep sleeping without a step", ErrTooLong, s.names(sleepers))
			}
			s.wake(sleepers)
			continue
		}
		if err := s.awaitServer(ctx); err != nil {
			return err
		}
	}
}
func (s *scheduler) foregroundDone() bool {
	for i, r := range s.roles {
		if !r.Background && s.status[i] != done {
			return false
		}
	}
	return true
}
func (s *scheduler) backgroundNotDone() []int {
	var left []int
	for i, r := range s.roles {
		if r.Background && s.status[i] != done {
			left = append(left, i)
		}
	}
	return left
}

// inFlight reports a statement in flight (settled: blocked on a lock).
func (s *scheduler) inFlight() bool {
	return slices.ContainsFunc(s.status, func(st status) bool { return st == blocked || st == inStatement })
}
func (s *scheduler) backgroundLeft() bool { return len(s.backgroundNotDone()) > 0 }

func (s *scheduler) wake(sessions []int) {
	for _, c := range sessions {
		s.status[c] = running
		s.st.wakes[c] <- struct{}{}
	}
}

// awaitServer waits, when every session left is blocked, for the server to
// release one: a deadlock is the server's to resolve.
func (s *scheduler) awaitServer(ctx context.Context) error {
	timer := time.NewTimer(s.e.cfg.StuckTimeout)
	defer timer.Stop()
	select {
	case ev := <-s.st.events:
		return s.handle(ev)
	case <-timer.C:
		var stuck []int
		for i, st := range s.status {
			if st == blocked {
				stuck = append(stuck, i)
			}
		}
		return fmt.Errorf("%w after %v: %v wait for locks (a deadlock with a long deadlock_timeout, or a lock held outside the program)",
			ErrStuck, s.e.cfg.StuckTimeout, s.names(stuck))
	case <-ctx.Done():
		return ctx.Err()
	}
}
func (s *scheduler) names(sessions []int) []string {
	var out []string
	for _, c := range sessions {
		out = append(out, s.roles[c].Name)
	}
	return out
}

// grant lets session pick run its step.
func (s *scheduler) grant(pick int) error {
	if s.st.step.Load() >= int64(s.e.cfg.MaxSteps) {
		return fmt.Errorf("%w (%d steps): is a session looping?", ErrTooLong, s.e.cfg.MaxSteps)
	}
	if err := s.speculating(); err != nil {
		return err
	}
	k := s.st.step.Add(1)
	s.idleWakes = 0
	next := s.next[pick]
	s.res.Transcript = append(s.res.Transcript, stepLine(k, s.roles[pick].Name, s.e.describe(next)))
	s.status[pick] = inStatement
	invisible := s.invisible(pick)
	if !invisible {
		s.sinceAttempt[pick]++ // an invisible step changes nothing a symmetric session could tell apart
	}
	if c, ok := s.prog.(Commuter); ok && s.tuning.Reduce && !invisible {
		// An invisible step commutes with everything: it wakes no sleeping option.
		for p := range s.parked {
			if p == pick || !c.Commute(s.next[p].stmt, next.stmt) {
				delete(s.parked, p)
			}
		}
	}
	if err := s.freezeBlocked(pick); err != nil {
		return err
	}
	s.granted, s.audited, s.faulted = pick, false, false
	s.grantedAt[pick] = time.Now()
	s.st.grants[pick] <- struct{}{}
	return nil
}

// audit runs the program's auditor between two steps.
func (s *scheduler) audit(ctx context.Context) error {
	s.audits++
	s.audited = true
	s.res.Audits++
	s.res.Transcript = append(s.res.Transcript, fmt.Sprintf("%4s  audit", ""))
	if err := s.run.(Auditor).Audit(ctx, s.e.control.pg); err != nil {
		return fmt.Errorf("a mid-flight audit: %w", err)
	}
	return nil
}

// fault injects the k-th fault offered, then makes sure the control
// connection survived it.
func (s *scheduler) fault(ctx context.Context, k int) error {
	s.faults++
	s.faulted = true
	s.res.Faults++
	label := s.offered[k]
	s.res.Transcript = append(s.res.Transcript, fmt.Sprintf("%4s  fault: %s", "", label))
	if err := s.run.(Faulter).Fault(ctx, k); err != nil {
		return fmt.Errorf("injecting %s: %w", label, err)
	}
	return s.e.ensureControl(ctx)
}
func (s *scheduler) handle(ev event) error {
	c := ev.session
	switch ev.kind {
	case evReconnect:
		s.conns[c], s.tx[c] = ev.conn, 'I'
	case evGate:
		s.status[c], s.next[c] = atGate, ev
	case evEnd:
		if s.speculated && isDeadlock(ev.err) {
			return &errMisspeculated{made: s.st.choices()}
		}
		if c == s.granted && s.status[c] == inStatement {
			s.e.latency += (time.Since(s.grantedAt[c]) - s.e.latency) / 8
		}
		s.status[c], s.unexamined[c] = running, false
		if ev.tx != 0 {
			s.tx[c] = ev.tx
		}
		if s.waiting[c] {
			s.waiting[c] = false
			s.say(c, "<... completed>")
		}
		if ev.err != nil {
			s.say(c, describeError(ev.err))
		}
		if ev.tag == "ROLLBACK" && ev.tx == 'I' {
			// A rolled-back attempt leaves nothing behind: the session is
			// back at the start of its operation, one retry further.
			s.sinceAttempt[c], s.restarts[c] = 0, s.restarts[c]+1
		}
		if visible(ev) {
			for i, st := range s.status {
				if st == asleep && i != c {
					s.wake([]int{i})
				}
			}
		}
	case evSleep:
		s.status[c] = asleep
	case evLog:
		s.say(c, ev.text)
	case evOpStart, evOpEnd:
		s.inOp[c] = ev.kind == evOpStart
		s.sinceAttempt[c], s.restarts[c] = 0, 0
	case evDone:
		s.status[c] = done
		if ev.err != nil && !errors.Is(ev.err, context.Canceled) {
			return fmt.Errorf("session %s: %w", s.roles[c].Name, ev.err)
		}
	}
	return nil
}

// visible reports a step whose changes other sessions may now see: the end
// of a transaction, or a statement outside one that may have written — as
// the server reports it (transaction status and command tag), not as the
// SQL reads. Sleepers wake on those steps alone.
func visible(ev event) bool {
	if ev.tx != 'I' {
		return false
	}
	if ev.txBefore != 'I' {
		return true
	}
	switch ev.tag {
	case "", "STEP", "SHOW":
		return false
	}
	return !startsWithFold(ev.tag, "SELECT") && !startsWithFold(ev.tag, "FETCH")
}
