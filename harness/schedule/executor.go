package schedule

import (
	"context"
	"fmt"
	"runtime"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/fault"
	"jbcheck.dev/jbcheck/harness/interleave"
	"jbcheck.dev/jbcheck/harness/postgres"
	"jbcheck.dev/jbcheck/harness/protocol"
)

// Executor runs schedules of one variant on an interleaving engine of its
// own: the engine keeps the sessions' connections open across schedules,
// and schedules are isolated from each other by fresh world ids.
type Executor struct {
	engine  *interleave.Engine
	variant protocol.Variant
	driver  Driver // instead of variant: an application (NewDriverExecutor)
	server  *postgres.Server
	log     *postgres.LockWaitLog // nil on a DSN server
	// backends freezes sessions' server processes and reads their titles
	// (nil on a DSN server).
	backends *postgres.BackendFreezer
	// Reduce turns the engine's reductions on (BEGIN granted at once,
	// symmetric clients, commuting statements). It changes where the choice
	// points are, so a schedule replays only with the setting it was made
	// with (the history header records it).
	Reduce bool
	// Audits is how many mid-flight audits one schedule may take: an audit
	// between two statements of a call sees what only exists mid-call.
	Audits int
	// Command is recorded in every history's header.
	Command string

	faults    []fault.Fault // offered between steps (SetFaults)
	maxFaults int
	worlds    worldPool
}

// DefaultLanes is how many lanes an exploration runs on unless told: two
// per CPU. A lane moves one statement at a time and waits for the server's
// answer most of the time, so two lanes per CPU keep the CPUs busier than
// one (measured side by side in docs/performance.md: the two-client join
// and five serializable joins explore 15–25 % faster on 4 lanes than on 2,
// on two CPUs; 6 lanes buy nothing more).
func DefaultLanes() int { return 2 * runtime.NumCPU() }

// NewExecutors opens lanes executors for v, for explorations that run
// subtrees in parallel (each lane has connections and a schema of its own).
// On an error, the ones already open are closed.
func NewExecutors(ctx context.Context, server *postgres.Server, v protocol.Variant, lanes int) ([]*Executor, error) {
	var execs []*Executor
	for lane := range lanes {
		e, err := NewExecutor(ctx, server, v, lane)
		if err != nil {
			CloseAll(execs)
			return nil, err
		}
		execs = append(execs, e)
	}
	return execs, nil
}

// CloseAll closes every executor of execs.
func CloseAll(execs []*Executor) {
	for _, e := range execs {
		e.Close()
	}
}

// engines are the executors' engines, for an exploration in parallel.
func engines(execs []*Executor) []*interleave.Engine {
	out := make([]*interleave.Engine, len(execs))
	for i, e := range execs {
		out[i] = e.engine
	}
	return out
}

// laneSchema is the schema of a lane's tables: lane 0 uses the variant's
// own schema; lane n > 0 a schema of its own, so that executors running at
// once cannot interfere (serializable transactions in one table do,
// through their predicate locks).
func laneSchema(v protocol.Variant, lane int) string {
	if lane == 0 {
		return protocol.SchemaName(v)
	}
	return fmt.Sprintf("%s_%d", protocol.SchemaName(v), lane)
}

// NewExecutor connects to server for variant and installs its tables in
// the lane's schema.
func NewExecutor(ctx context.Context, server *postgres.Server, variant protocol.Variant, lane int) (*Executor, error) {
	schema := laneSchema(variant, lane)
	cfg := interleave.Config{
		ConnConfig: func() *pgx.ConnConfig {
			c := server.ConnConfig()
			protocol.ConfigureClient(c, variant, schema)
			return c
		},
		// Worlds are made, and audited, at the harness' own isolation
		// level: a serializable audit could fail with 40001.
		ControlConfig: func() *pgx.ConnConfig {
			c := server.ConnConfig()
			protocol.Configure(c, variant, schema)
			return c
		},
	}
	// Sessions reach the server through fault links, so that a fault can
	// lose one's reply.
	cfg.Adjust = func(_ int, c *pgx.ConnConfig) { fault.Dial(c, nil) }
	e, err := openExecutor(ctx, server, cfg, &Executor{variant: variant})
	if err != nil {
		return nil, err
	}
	if err := protocol.Install(ctx, e.engine.Control(), variant, schema); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// openExecutor starts e's engine on server with cfg, given the server's
// WaitLog, Freezer and restart count when it has them.
func openExecutor(ctx context.Context, server *postgres.Server, cfg interleave.Config, e *Executor) (*Executor, error) {
	log, err := server.WaitLog()
	if err != nil {
		return nil, err
	}
	if log != nil {
		cfg.WaitLog = log
	}
	if f := server.Backends(); f != nil {
		cfg.Freezer = f   // wakes sessions one at a time: replays stay exact
		cfg.LockWaits = f // asks the server only about sessions whose process waits
		e.backends = f
	}
	cfg.Incarnation = server.Incarnation
	e.server, e.log = server, log
	if e.engine, err = interleave.New(ctx, cfg); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// Variant is the variant e runs (nil when a Driver runs the calls).
func (e *Executor) Variant() protocol.Variant { return e.variant }

// Close closes every connection and stops following the server log.
func (e *Executor) Close() {
	if e.engine != nil {
		e.engine.Close()
	}
	if e.log != nil {
		e.log.Close()
	}
	if e.backends != nil {
		e.backends.Close()
	}
}
