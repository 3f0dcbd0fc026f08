package interleave

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
)

// errMisspeculated reports that a deadlock was found after the engine
// granted a step past a lock wait the deadlock detector had not examined
// yet: the detector may have picked another victim, or untangled another
// soft deadlock, than it would have with the wait examined first. The run
// is then made again, without speculating, replaying the choices made.
type errMisspeculated struct{ made []int }

func (e *errMisspeculated) Error() string {
	return fmt.Sprintf("a deadlock was found after a speculative grant (%d choices made)", len(e.made))
}

// resume replays the choices a run made before it was abandoned, then asks
// the chooser that made them: the chooser sees each point once.
type resume struct {
	made []int
	then Chooser
}

// Choose implements Chooser.
func (r *resume) Choose(p Point) int {
	if len(r.made) > 0 {
		c := r.made[0]
		r.made = r.made[1:]
		return c
	}
	return r.then.Choose(p)
}

// speculating notes a grant made while a lock wait is unexamined; from then
// on a deadlock found by the server means the run must be made again.
func (s *scheduler) speculating() error {
	if s.speculated {
		return nil
	}
	for c, u := range s.unexamined {
		if u && s.status[c] == blocked {
			found, err := s.e.cfg.WaitLog.DeadlocksFound()
			if err != nil {
				return fmt.Errorf("reading the server log: %w", err)
			}
			s.speculated, s.deadlocksBefore = true, found
			return nil
		}
	}
	return nil
}

// checkSpeculation reports errMisspeculated when the server found a
// deadlock, hard or soft, since the run speculated.
func (s *scheduler) checkSpeculation() error {
	if !s.speculated {
		return nil
	}
	found, err := s.e.cfg.WaitLog.DeadlocksFound()
	if err != nil {
		return fmt.Errorf("reading the server log: %w", err)
	}
	if found != s.deadlocksBefore {
		return &errMisspeculated{made: s.st.choices()}
	}
	return nil
}

// isDeadlock reports PostgreSQL's deadlock_detected error.
func isDeadlock(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "40P01"
}
