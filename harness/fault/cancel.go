package fault

import (
	"context"
	"fmt"

	"jbcheck.dev/jbcheck/harness/postgres"
)

// Cancel cancels one session's running statement (pg_cancel_backend): the
// statement fails with 57014 (query_canceled) and its transaction is
// aborted; the connection stays. A session waiting for the client's next
// statement ignores it.
type Cancel struct{}

func (Cancel) Name() string                   { return "cancel" }
func (Cancel) OnServer() bool                 { return false }
func (Cancel) Applies(*postgres.Server) error { return nil }

// Inject signals the backend t.PID through t.Control; ErrMissed if there
// was no such backend. It returns once the signal is sent: a cancel is
// over as soon as the backend has it.
func (Cancel) Inject(ctx context.Context, t Target) error {
	if t.Control == nil {
		return fmt.Errorf("fault cancel: no control connection")
	}
	if t.PID == 0 {
		return fmt.Errorf("%w: cancel: no backend", ErrMissed)
	}
	var sent bool
	if err := t.Control.QueryRow(ctx, "SELECT pg_cancel_backend($1)", int32(t.PID)).Scan(&sent); err != nil {
		return fmt.Errorf("fault cancel: %w", err)
	}
	if !sent {
		return fmt.Errorf("%w: cancel: backend %d is gone", ErrMissed, t.PID)
	}
	return nil
}
