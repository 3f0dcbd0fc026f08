package schedule

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5"

	"jbcheck/harness/postgres"
	"jbcheck/harness/protocol"
)

// Executor holds what outlives one schedule: the clients' connections (a new
// connection costs milliseconds, a whole schedule about one), a connection
// for the background worker, and a control connection that creates worlds,
// detects blocked clients and audits. Schedules are isolated from each other
// by fresh world ids.
type Executor struct {
	server  *postgres.Server
	variant protocol.Variant
	control *pgx.Conn
	clients []*session // ordinary clients first, then the worker, if any
	// MaxSteps bounds one schedule; a longer one is an error (a loop).
	MaxSteps int
	// Reduce turns on the reductions: BEGIN is granted without a choice
	// (it commutes with every statement), and options that lead to runs
	// symmetric to an earlier option's are marked Redundant for explorers.
	// It changes where the choice points are, so a schedule replays only
	// with the setting it was made with (the history header records it).
	Reduce bool
	schema string // where its tables are
	// Command is recorded in every history's header.
	Command  string
	scenario Scenario // the scenario being run, for the symmetry keys
}

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

// Variant is the variant e runs.
func (e *Executor) Variant() protocol.Variant { return e.variant }

// remaining is client c's calls from the i-th on, as text.
func (e *Executor) remaining(c, i int) string {
	var parts []string
	for _, in := range e.scenario.Clients[c][i:] {
		parts = append(parts, in.String())
	}
	return strings.Join(parts, " ")
}

// session is one client's connection and its gate.
type session struct {
	conn *pgx.Conn
	pid  uint32
	gate *gate
}

// ErrTooLong reports a schedule that did not end within MaxSteps.
var ErrTooLong = errors.New("schedule did not end within the step bound")

// NewExecutor connects to server for variant and installs its tables. Lane
// 0 uses the variant's own schema; lane n > 0 a schema of its own, so that
// executors running at once cannot interfere (serializable transactions in
// one table do, through their predicate locks).
func NewExecutor(ctx context.Context, server *postgres.Server, variant protocol.Variant, lane int) (*Executor, error) {
	e := &Executor{server: server, variant: variant, MaxSteps: 10_000, schema: protocol.SchemaName(variant)}
	if lane > 0 {
		e.schema = fmt.Sprintf("%s_%d", e.schema, lane)
	}
	cfg := server.ConnConfig()
	protocol.Configure(cfg, variant, e.schema)
	var err error
	if e.control, err = pgx.ConnectConfig(ctx, cfg); err != nil {
		return nil, err
	}
	if err := protocol.Install(ctx, e.control, variant, e.schema); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// session returns client i's session, connecting it on first use.
func (e *Executor) session(ctx context.Context, i int) (*session, error) {
	for len(e.clients) <= i {
		e.clients = append(e.clients, nil)
	}
	// A schedule abandoned mid-way cancels its statements, and pgx closes a
	// connection whose query was cancelled: connect again.
	if e.clients[i] == nil || e.clients[i].conn.IsClosed() {
		g := &gate{id: i}
		cfg := e.server.ConnConfig()
		protocol.ConfigureClient(cfg, e.variant, e.schema)
		// The scheduler resolves deadlocks itself, deterministically: the
		// server's own detector must not fire first.
		cfg.RuntimeParams["deadlock_timeout"] = "1h"
		cfg.Tracer = g // pgx copies the tracer when it connects
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			return nil, fmt.Errorf("connecting client %d: %w", i, err)
		}
		e.clients[i] = &session{conn: conn, pid: conn.PgConn().PID(), gate: g}
	}
	return e.clients[i], nil
}

// Close closes every connection.
func (e *Executor) Close() {
	ctx := context.Background()
	for _, s := range e.clients {
		if s != nil {
			s.conn.Close(ctx)
		}
	}
	if e.control != nil {
		e.control.Close(ctx)
	}
}

// gate is a client connection's tracer: outside a schedule it lets every
// statement through; during one it reports each statement to the schedule
// and waits for the grant.
type gate struct {
	id  int
	run atomic.Pointer[run]
}

// TraceQueryStart implements pgx.QueryTracer.
func (g *gate) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	if r := g.run.Load(); r != nil {
		r.arrive(g.id, data.SQL, data.Args)
	}
	return ctx
}

// TraceQueryEnd implements pgx.QueryTracer.
func (g *gate) TraceQueryEnd(_ context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	if r := g.run.Load(); r != nil {
		r.send(event{client: g.id, kind: evEnd, err: data.Err, tag: data.CommandTag.String()})
	}
}
