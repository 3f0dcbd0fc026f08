package fault

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"jbcheck.dev/jbcheck/harness/postgres"
)

// Kill terminates one session's backend (pg_terminate_backend): the
// transaction it was in rolls back, and the client sees a broken
// connection at its next statement, or at once if it was waiting for one.
type Kill struct {
	// Wait bounds how long Inject waits for the backend to exit (0: 5 s).
	Wait time.Duration
}

func (Kill) Name() string   { return "kill" }
func (Kill) OnServer() bool { return false }

// Applies needs PostgreSQL 14 or later, whose pg_terminate_backend can wait
// for the backend to exit.
func (Kill) Applies(s *postgres.Server) error {
	if s == nil {
		return nil
	}
	major, _ := strconv.Atoi(strings.SplitN(s.Version(), ".", 2)[0])
	if major < 14 {
		return fmt.Errorf("%w: kill needs PostgreSQL 14 or later (pg_terminate_backend with a timeout); the server is %s: use the embedded cluster or leave kill out of --faults",
			ErrNotApplicable, s.Version())
	}
	return nil
}

// Inject terminates the backend t.PID through t.Control and returns once it
// has exited; ErrMissed if there was no such backend.
func (k Kill) Inject(ctx context.Context, t Target) error {
	if t.Control == nil {
		return fmt.Errorf("fault kill: no control connection")
	}
	if t.PID == 0 {
		return fmt.Errorf("%w: kill: no backend", ErrMissed)
	}
	wait := k.Wait
	if wait <= 0 {
		wait = 5 * time.Second
	}
	var done bool
	if err := t.Control.QueryRow(ctx, "SELECT pg_terminate_backend($1, $2)", int32(t.PID), wait.Milliseconds()).Scan(&done); err != nil {
		return fmt.Errorf("fault kill: %w", err)
	}
	if done {
		return nil
	}
	// false: no such backend, or it did not exit in time.
	var exists bool
	if err := t.Control.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE pid = $1)", int32(t.PID)).Scan(&exists); err != nil {
		return fmt.Errorf("fault kill: %w", err)
	}
	if !exists {
		return fmt.Errorf("%w: kill: backend %d is gone", ErrMissed, t.PID)
	}
	return fmt.Errorf("fault kill: backend %d did not exit within %v", t.PID, wait)
}
