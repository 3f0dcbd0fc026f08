package main

import (
	"context"
	"fmt"
	"os"

	"jbcheck/harness/postgres"
	"jbcheck/harness/redact"
)

// scheduleMode is what explore, replay, shrink and verify need of the role
// they connect as.
var scheduleMode = postgres.Privileges{Superuser: true,
	Why: "schedule mode (explore, replay, shrink, verify) sets deadlock_timeout on every client session, " +
		"so that its scheduler and not the server resolves deadlocks, and only a superuser may set that parameter"}

// startServer starts the embedded cluster, or opens a database of jbcheck's
// own on the --dsn server, and checks once, up front, that the role has what
// the command needs.
func startServer(ctx context.Context, dsn string, need postgres.Privileges) (*postgres.Server, error) {
	server, err := postgres.Start(ctx, postgres.Options{DSN: dsn})
	if err != nil {
		return nil, err
	}
	if err := server.CheckPrivileges(ctx, need); err != nil {
		stopServer(server)
		return nil, err
	}
	return server, nil
}

// stopServer stops the server; what it could not clean up, it says.
func stopServer(server *postgres.Server) {
	if err := server.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "jbcheck:", redact.String(err.Error()))
	}
}
