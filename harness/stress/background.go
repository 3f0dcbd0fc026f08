package stress

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/record"
	"jbcheck.dev/jbcheck/model"
)

// auditor audits every world in turn, every pause, on a harness connection
// of its own, which it replaces when a fault breaks it.
type auditor struct {
	cfg     Config
	rec     *record.Recorder
	worlds  []int64
	connect func(context.Context) (*pgx.Conn, error)
	conn    *pgx.Conn
}

func (a *auditor) run(ctx context.Context, pause time.Duration, quiescent bool) error {
	defer func() { a.conn.Close(context.Background()) }()
	for {
		protocol.Sleep(ctx, pause)
		for _, world := range a.worlds {
			if ctx.Err() != nil {
				return nil
			}
			read := func() (model.Snapshot, error) { return protocol.Audit(ctx, a.conn, world) }
			if err := a.rec.Audit(world, read, quiescent); err != nil {
				if ctx.Err() != nil || len(a.cfg.Faults) == 0 || !a.conn.IsClosed() {
					return contextOr(ctx, err)
				}
				// A crash broke the connection: skip the round, reconnect.
				a.conn.Close(context.Background())
				conn, err := redial(ctx, a.connect, a.cfg)
				if err != nil {
					return contextOr(ctx, err)
				}
				a.conn = conn
				break
			}
		}
	}
}

// runWorker runs the variant's background worker until ctx ends, on a
// connection it replaces when a fault breaks it.
func runWorker(ctx context.Context, w protocol.Worker, conn *pgx.Conn, connect func(context.Context) (*pgx.Conn, error), cfg Config) error {
	defer func() { conn.Close(context.Background()) }()
	for {
		err := protocol.RunWorker(ctx, w, conn, cfg.WorkerInterval)
		if err == nil || ctx.Err() != nil || len(cfg.Faults) == 0 || !conn.IsClosed() {
			return err
		}
		conn.Close(context.Background())
		next, err := redial(ctx, connect, cfg)
		if err != nil {
			return contextOr(ctx, fmt.Errorf("background worker: %w", err))
		}
		conn = next
	}
}

// scenarioOf is what the header records of cfg.
func scenarioOf(cfg Config) Scenario {
	sc := Scenario{Clients: cfg.Clients, Worlds: cfg.Worlds, Ops: cfg.Ops, Duration: durationText(cfg), Mix: cfg.Mix.String()}
	if len(cfg.Faults) > 0 {
		names := make([]string, len(cfg.Faults))
		for i, f := range cfg.Faults {
			names[i] = f.Name()
		}
		sc.Faults, sc.FaultInterval = strings.Join(names, ","), cfg.FaultInterval.String()
	} else if cfg.BurstEvery > 0 {
		sc.BurstEvery = cfg.BurstEvery.String()
	}
	return sc
}
