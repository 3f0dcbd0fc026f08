package main

import (
	"context"
	"fmt"
	"os"

	"jbcheck.dev/jbcheck/harness/postgres"
	"jbcheck.dev/jbcheck/harness/redact"
)

// startServer starts the embedded cluster, or opens a database of jbcheck's
// own on the --dsn server (after checking, once, that the role may create
// it).
func startServer(ctx context.Context, dsn string) (*postgres.Server, error) {
	return postgres.Start(ctx, postgres.Options{DSN: dsn})
}

// stopServer stops the server; what it could not clean up, it says.
func stopServer(server *postgres.Server) {
	if err := server.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "jbcheck:", redact.String(err.Error()))
	}
}
