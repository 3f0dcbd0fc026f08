package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"jbcheck.dev/jbcheck/harness/app"
	"jbcheck.dev/jbcheck/harness/postgres"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/schedule"
	"jbcheck.dev/jbcheck/harness/stress"
	"jbcheck.dev/jbcheck/model"
)

// appFlag adds --app, the alternative to --variant: a real application
// under jbcheck (docs/real-apps.md).
func appFlag(fs *flag.FlagSet) *string {
	return fs.String("app", "", "an application instead of a Go variant: its config file (docs/real-apps.md)")
}

// runTarget is what a schedule-mode command runs: a Go variant, or an
// application given by its config.
type runTarget struct {
	variant protocol.Variant // nil with an application
	app     *app.Config
}

// loadTarget reads --variant or --app (exactly one, and the app's config
// must support every call of sc).
func loadTarget(variantName, appPath string, sc *model.Scenario) (runTarget, error) {
	switch {
	case appPath != "" && variantName != "":
		return runTarget{}, fmt.Errorf("%w: --variant and --app both given: run a Go variant or an application, give one", errUsage)
	case appPath != "":
		cfg, err := app.Load(appPath)
		if err == nil && sc != nil {
			err = cfg.CheckScenario(*sc)
		}
		if err != nil {
			return runTarget{}, fmt.Errorf("%w: %v", errUsage, err)
		}
		return runTarget{app: cfg}, nil
	}
	v, err := protocol.Lookup(variantName)
	if err != nil {
		return runTarget{}, fmt.Errorf("%w: %v", errUsage, err)
	}
	return runTarget{variant: v}, nil
}

// name is what runs, as reports name it.
func (t runTarget) name() string {
	if t.app != nil {
		return t.app.Name
	}
	return t.variant.Info().Name
}

// executors starts the server (embedded, or dsn's) and opens lanes
// executors for t on it (an application has one: its service and relay
// are one, and attribute a statement to the one participant moving).
// close closes them, stops the application and then the server.
func (t runTarget) executors(ctx context.Context, dsn string, lanes int) (execs []*schedule.Executor, close func(), err error) {
	server, err := startServer(ctx, dsn)
	if err != nil {
		return nil, nil, err
	}
	if t.app == nil {
		if execs, err = schedule.NewExecutors(ctx, server, t.variant, lanes); err != nil {
			stopServer(server)
			return nil, nil, err
		}
		return execs, func() { schedule.CloseAll(execs); stopServer(server) }, nil
	}
	a, err := app.Open(ctx, server, t.app)
	if err != nil {
		stopServer(server)
		if errors.Is(err, app.ErrConfig) {
			err = fmt.Errorf("%w: %v", errUsage, err)
		}
		return nil, nil, err
	}
	return []*schedule.Executor{a.Executor()}, func() { a.Close(); stopServer(server) }, nil
}

// appArg is "--app CONFIG " for a command line that replays an
// application's history, "" otherwise.
func appArg(path string) string {
	if path == "" {
		return ""
	}
	return "--app " + path + " "
}

// stressApp starts the application on server and stress-runs it.
func stressApp(ctx context.Context, server *postgres.Server, cfg *app.Config, s app.Stress) (stress.Summary, error) {
	a, err := app.Open(ctx, server, cfg)
	if err != nil {
		return stress.Summary{}, err
	}
	defer a.Close()
	return a.Stress(ctx, s)
}
