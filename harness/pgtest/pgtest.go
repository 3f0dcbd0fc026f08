// Package pgtest gives a package's tests one real embedded PostgreSQL cluster,
// started by TestMain and shared by every test of the package: a cluster
// costs about a second, a fresh world id costs a millisecond.
package pgtest

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/postgres"
	"jbcheck.dev/jbcheck/harness/protocol"
)

var server *postgres.Server

// Main starts the cluster, runs the tests and stops the cluster. Use it as
// `func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }`.
func Main(m *testing.M) int {
	s, err := postgres.Start(context.Background(), postgres.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		return 2
	}
	server = s
	defer s.Stop()
	return m.Run()
}

// Server is the package's cluster.
func Server(t testing.TB) *postgres.Server {
	t.Helper()
	if server == nil {
		t.Fatal("pgtest: no cluster: call pgtest.Main from TestMain")
	}
	return server
}

// Connect opens a connection to v's installed tables, closed when t ends.
func Connect(t testing.TB, v protocol.Variant) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	cfg := Server(t).ConnConfig()
	protocol.ConfigureClient(cfg, v, protocol.SchemaName(v))
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	if err := protocol.Install(ctx, conn, v, protocol.SchemaName(v)); err != nil {
		t.Fatal(err)
	}
	return conn
}

// StartWorker runs v's background worker, if it has one, on a connection of
// its own until t ends.
func StartWorker(t testing.TB, v protocol.Variant) {
	t.Helper()
	w, ok := v.(protocol.Worker)
	if !ok {
		return
	}
	conn := Connect(t, v)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- protocol.RunWorker(ctx, w, conn, 0) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("background worker of %s: %v", v.Info().Name, err)
		}
	})
}

// Correct lists the registered variants meant to keep every guarantee.
func Correct() []protocol.Variant {
	var out []protocol.Variant
	for _, v := range protocol.All() {
		if v.Info().Correct() {
			out = append(out, v)
		}
	}
	return out
}
