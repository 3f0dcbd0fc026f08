package app

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"os"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/interleave"
	"jbcheck.dev/jbcheck/harness/postgres"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/schedule"
	"jbcheck.dev/jbcheck/harness/wire"
)

// App is an application running under jbcheck: its tables installed, the
// relay in front of the server, the service started with its DATABASE_URL
// pointing at the relay, and an executor whose schedules drive it.
type App struct {
	cfg     *Config
	server  *postgres.Server
	relay   *wire.Relay
	proc    *Process
	exec    *schedule.Executor
	disp    *dispatcher
	schema  string
	stopped chan struct{} // closed when the dispatcher has stopped
}

// Schema is the PostgreSQL schema that holds an application's tables.
func (c *Config) Schema() string {
	return "app_" + regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(c.Name), "_")
}

// Open installs cfg's tables on server, starts the relay and the service,
// and opens the executor that schedules it. Close it.
func Open(ctx context.Context, server *postgres.Server, cfg *Config) (*App, error) {
	a := &App{cfg: cfg, server: server, schema: cfg.Schema(), disp: newDispatcher(), stopped: make(chan struct{})}
	ddl := ""
	if cfg.Tables != "" {
		data, err := os.ReadFile(cfg.resolve(cfg.Tables))
		if err != nil {
			return nil, fmt.Errorf("%w: %s: tables: %v", ErrConfig, cfg.path, err)
		}
		ddl = string(data)
	}
	connConfig := func() *pgx.ConnConfig {
		c := server.ConnConfig()
		if c.RuntimeParams == nil {
			c.RuntimeParams = map[string]string{}
		}
		c.RuntimeParams["search_path"] = a.schema
		c.RuntimeParams["application_name"] = "jbcheck " + cfg.Name
		return c
	}
	d := &driver{cfg: cfg, http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}, disp: a.disp}
	var err error
	if a.exec, err = schedule.NewDriverExecutor(ctx, server, d, interleave.Config{ConnConfig: connConfig}); err != nil {
		return nil, err
	}
	if err := protocol.InstallTables(ctx, a.exec.Engine().Control(), a.schema, ddl); err != nil {
		a.Close()
		return nil, fmt.Errorf("installing the tables of %s (%s): %w", cfg.Name, cfg.Tables, err)
	}
	params := map[string]string{"search_path": a.schema}
	maps.Copy(params, a.exec.Engine().SessionParams())
	backend := server.ConnConfig()
	a.relay, err = wire.Start(ctx, wire.Config{Backend: wire.BackendDialer(&backend.Config), Hold: true, Params: params,
		OnConn: func(ev wire.ConnEvent) {
			if ev.Closed {
				a.disp.closed(ev.ConnID)
			}
		}})
	if err != nil {
		a.Close()
		return nil, err
	}
	go func() {
		defer close(a.stopped)
		a.disp.run(a.relay.Batches())
	}()
	if a.proc, err = cfg.Start(ctx, a.relay.URL(backend.User, backend.Database), backend.Password); err != nil {
		a.Close()
		return nil, err
	}
	d.base = a.proc.URL()
	return a, nil
}

// Executor runs schedules of the application (schedule.Run, Explore,
// Minimize, replay).
func (a *App) Executor() *schedule.Executor { return a.exec }

// Config is the application's config.
func (a *App) Config() *Config { return a.cfg }

// Process is the running service.
func (a *App) Process() *Process { return a.proc }

// Close stops the service (its whole process group), the relay and the
// executor.
func (a *App) Close() {
	if a.proc != nil {
		a.proc.Stop()
	}
	if a.relay != nil {
		a.relay.Close()
		<-a.stopped
	}
	if a.exec != nil {
		a.exec.Close()
	}
}
