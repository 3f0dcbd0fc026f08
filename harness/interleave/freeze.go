package interleave

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// Freezer stops and resumes one server process (a backend): with
// Config.Freezer the engine keeps sessions that a step may wake together
// from running at once.
//
// Why: a step that releases a lock several sessions wait for — a commit
// whose row two sessions queue on — wakes all of them at once (their
// requests are compatible, or they wait for different locks the step
// held). Which of them then takes the next contended lock first is decided
// by the operating system's scheduler, so the same schedule could end two
// ways. isolationtester has the same race and avoids it by writing specs
// that do not meet it; a model checker must replay every schedule it finds.
//
// How: before granting a step while two or more other sessions are blocked,
// the engine freezes their processes. Once the step has settled, it asks
// the server which frozen sessions were granted their locks and thaws them
// one at a time, the one that began waiting first first, keeping the others
// frozen, and settles each before the next. Sessions still waiting once no
// frozen one was granted are thawed together: nobody runs to wake them.
// Every order the engine imposes is one the operating system could have
// chosen, so no outcome is invented; the choice is only made the same way
// on every replay.
type Freezer interface {
	// Freeze stops process pid and returns once it is stopped.
	Freeze(pid uint32) error
	// Thaw resumes process pid.
	Thaw(pid uint32) error
}

// settle waits until every session is at a gate, asleep, done, or blocked
// on a lock, waking frozen sessions one at a time (Freezer).
func (s *scheduler) settle(ctx context.Context) error {
	for {
		err := s.settleBounded(ctx)
		if err != nil {
			return err
		}
		if !slices.Contains(s.frozen, true) {
			return nil
		}
		next, err := s.grantedWhileFrozen(ctx)
		if err != nil {
			return err
		}
		if next < 0 {
			return s.thawAll()
		}
		if err := s.freezeBlocked(next); err != nil {
			return err
		}
		if err := s.thaw(next); err != nil {
			return err
		}
	}
}

// errFrozenTooLong is the cause of a settle cut short while sessions were
// frozen.
var errFrozenTooLong = errors.New("frozen too long")

// settleBounded is settleThawed, bounded by StuckTimeout while sessions are
// frozen: a step that cannot end without a frozen session (it should
// never happen: a frozen session holds no latch) must not hang the run.
func (s *scheduler) settleBounded(ctx context.Context) error {
	if !slices.Contains(s.frozen, true) {
		return s.settleThawed(ctx)
	}
	bounded, cancel := context.WithTimeoutCause(ctx, s.e.cfg.StuckTimeout, errFrozenTooLong)
	defer cancel()
	err := s.settleThawed(bounded)
	if err != nil && ctx.Err() == nil && errors.Is(context.Cause(bounded), errFrozenTooLong) {
		frozen := s.names(s.frozenSessions())
		s.thawAll()
		return fmt.Errorf("%w: a step did not settle within %v while %v were frozen: %v", ErrStuck, s.e.cfg.StuckTimeout, frozen, err)
	}
	return err
}

// freezeBlocked freezes every blocked session but except when two or more
// are blocked: one step could wake them together.
func (s *scheduler) freezeBlocked(except int) error {
	if s.e.cfg.Freezer == nil {
		return nil
	}
	var others []int
	for c, st := range s.status {
		if st == blocked && c != except {
			others = append(others, c)
		}
	}
	if len(others) < 2 {
		return nil
	}
	for _, c := range others {
		if s.frozen[c] {
			continue
		}
		if err := s.e.cfg.Freezer.Freeze(s.conns[c].pid); err != nil {
			return fmt.Errorf("%w: freezing session %s: %v", ErrInternal, s.roles[c].Name, err)
		}
		s.frozen[c] = true
	}
	return nil
}

// grantedWhileFrozen asks the server which frozen sessions no longer wait
// and returns the one that began waiting first, or -1 when all still do.
// A frozen process cannot report its own grant, but the server's lock
// table already shows it.
func (s *scheduler) grantedWhileFrozen(ctx context.Context) (int, error) {
	frozen := s.frozenSessions()
	rows, err := s.e.control.pg.Query(ctx, blockedSQL, s.pidsOf(frozen), s.allPids())
	if err != nil {
		return -1, fmt.Errorf("asking the server which frozen sessions wait: %w", err)
	}
	defer rows.Close()
	next := -1
	for i := 0; rows.Next(); i++ {
		var isBlocked bool
		if err := rows.Scan(&isBlocked); err != nil {
			return -1, err
		}
		if c := frozen[i]; !isBlocked && (next < 0 || s.rank[c] < s.rank[next]) {
			next = c
		}
	}
	return next, rows.Err()
}

// frozenSessions lists the frozen sessions in order.
func (s *scheduler) frozenSessions() []int {
	var out []int
	for c, f := range s.frozen {
		if f {
			out = append(out, c)
		}
	}
	return out
}

// thaw resumes session c's process.
func (s *scheduler) thaw(c int) error {
	s.frozen[c] = false
	if err := s.e.cfg.Freezer.Thaw(s.conns[c].pid); err != nil {
		return fmt.Errorf("%w: resuming session %s: %v", ErrInternal, s.roles[c].Name, err)
	}
	return nil
}

// thawAll resumes every frozen session; it reports the first failure, but
// tries them all.
func (s *scheduler) thawAll() error {
	var first error
	for _, c := range s.frozenSessions() {
		if err := s.thaw(c); err != nil && first == nil {
			first = err
		}
	}
	return first
}
