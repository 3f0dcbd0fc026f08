package schedule

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/interleave"
	"jbcheck.dev/jbcheck/harness/postgres"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/model"
)

// Driver runs a schedule's calls somewhere other than in a variant's Go
// code on the sessions' own connections: a real application whose
// statements reach the engine through interleave.Session.External
// (harness/app). Its sessions are External roles; the program records,
// audits and judges them as it does a variant's.
type Driver interface {
	// Name is what ran, as histories and reports name it.
	Name() string
	// Background reports a background job, run as the session "worker".
	Background() bool
	// Call runs one call of a client, inside its operation: the call
	// starts at its first step. callErr is the call's own failure, recorded
	// in the history; err is the harness's, and ends the schedule.
	Call(ctx context.Context, s *interleave.Session, in model.Input) (out model.Output, callErr, err error)
	// Work runs the background job until ctx ends.
	Work(ctx context.Context, s *interleave.Session) error
}

// NewDriverExecutor opens an executor whose calls d runs against the
// tables in schema (installed by the caller); cfg configures the engine's
// connections to server. The engine gets the server's WaitLog when it has
// one.
func NewDriverExecutor(ctx context.Context, server *postgres.Server, d Driver, cfg interleave.Config) (*Executor, error) {
	return openExecutor(ctx, server, cfg, &Executor{driver: d})
}

// Engine is e's interleaving engine.
func (e *Executor) Engine() *interleave.Engine { return e.engine }

// Name is what e runs: the variant's or the driver's name.
func (e *Executor) Name() string {
	if e.driver != nil {
		return e.driver.Name()
	}
	return e.variant.Info().Name
}

// background reports a background session.
func (e *Executor) background() bool {
	if e.driver != nil {
		return e.driver.Background()
	}
	_, ok := e.variant.(protocol.Worker)
	return ok
}

// apply runs one call of client session s: the driver's, or the variant's
// on the session's connection (sent again after a lost connection, see
// call).
func (r *run) apply(ctx, callCtx context.Context, s *interleave.Session, in model.Input) (out model.Output, callErr error, retried bool, err error) {
	if d := r.p.e.driver; d != nil {
		out, callErr, err = d.Call(ctx, s, in)
		return out, callErr, false, err
	}
	retried, err = r.call(ctx, s, func(conn *pgx.Conn) error {
		out, callErr = protocol.Apply(callCtx, r.p.e.variant, conn, in)
		return callErr
	})
	return out, callErr, retried, err
}

// errDriverFaults reports faults asked of a driver's executor.
var errDriverFaults = fmt.Errorf("%w: not with an application (its connections are the relay's)", ErrFaultNotSchedulable)
