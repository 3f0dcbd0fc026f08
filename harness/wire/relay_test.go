package wire_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"jbcheck.dev/jbcheck/harness/pgtest"
	"jbcheck.dev/jbcheck/harness/wire"
)

// TestPassThrough: pgx works through a relay that holds nothing — the
// simple and extended protocols, a transaction, COPY in and out, a
// pipeline, LISTEN/NOTIFY — and the backend pid it reports is the
// server's.
func TestPassThrough(t *testing.T) {
	r := startRelay(t, wire.Config{})
	conn := connect(t, r)
	ctx := context.Background()
	exercise(t, conn)
	var pid uint32
	if err := conn.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if pid != conn.PgConn().PID() {
		t.Errorf("the server's pid %d, the client was told %d", pid, conn.PgConn().PID())
	}
	// LISTEN/NOTIFY: a notification sent by another connection arrives
	// while this one is idle.
	if _, err := conn.Exec(ctx, "LISTEN wire_test"); err != nil {
		t.Fatal(err)
	}
	other := connect(t, r)
	if _, err := other.Exec(ctx, "NOTIFY wire_test, 'hello'"); err != nil {
		t.Fatal(err)
	}
	n, err := conn.WaitForNotification(ctx)
	if err != nil || n.Payload != "hello" {
		t.Fatalf("notification %v, %v", n, err)
	}
}

// exercise runs the protocol's kinds of exchange on conn and checks their
// answers.
func exercise(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	ctx := context.Background()
	table := "wire_" + strings.ReplaceAll(strings.ToLower(t.Name()), "/", "_")
	if _, err := conn.Exec(ctx, "DROP TABLE IF EXISTS "+table+"; CREATE TABLE "+table+" (k int PRIMARY KEY, v text)"); err != nil {
		t.Fatal(err)
	}
	var sum int
	if err := conn.QueryRow(ctx, "SELECT $1::int + $2::int", 2, 3).Scan(&sum); err != nil || sum != 5 {
		t.Fatalf("extended protocol: %d, %v", sum, err)
	}
	if err := conn.QueryRow(ctx, "SELECT 7", pgx.QueryExecModeSimpleProtocol).Scan(&sum); err != nil || sum != 7 {
		t.Fatalf("simple protocol: %d, %v", sum, err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO "+table+" VALUES ($1, $2)", 1, "one"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	copied, err := conn.CopyFrom(ctx, pgx.Identifier{table}, []string{"k", "v"},
		pgx.CopyFromRows([][]any{{2, "two"}, {3, "three"}}))
	if err != nil || copied != 2 {
		t.Fatalf("COPY FROM: %d rows, %v", copied, err)
	}
	var out strings.Builder
	if _, err := conn.PgConn().CopyTo(ctx, &out, "COPY (SELECT k FROM "+table+" ORDER BY k) TO STDOUT"); err != nil || out.String() != "1\n2\n3\n" {
		t.Fatalf("COPY TO: %q, %v", out.String(), err)
	}
	batch := &pgx.Batch{}
	batch.Queue("SELECT count(*) FROM " + table)
	batch.Queue("SELECT 1/0")
	batch.Queue("SELECT 2")
	results := conn.SendBatch(ctx, batch)
	var count int
	if err := results.QueryRow().Scan(&count); err != nil || count != 3 {
		t.Fatalf("pipeline: count %d, %v", count, err)
	}
	var pgErr *pgconn.PgError
	if _, err := results.Exec(); !errors.As(err, &pgErr) || pgErr.Code != "22012" {
		t.Fatalf("pipeline: %v, want division by zero", err)
	}
	results.Close()
	if err := conn.QueryRow(ctx, "SELECT 8").Scan(&sum); err != nil || sum != 8 {
		t.Fatalf("after a pipeline: %d, %v", sum, err)
	}
}

// TestPsql: psql connects through the relay (it asks for SSL first, and
// is told no) and runs a script.
func TestPsql(t *testing.T) {
	r := startRelay(t, wire.Config{})
	user := pgtest.Server(t).ConnConfig().User
	url := strings.Replace(r.URL(user, "postgres"), "sslmode=disable", "sslmode=prefer", 1)
	out, err := exec.Command("psql", url, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1",
		"-c", "SELECT 40 + 2", "-c", "SELECT current_user").CombinedOutput()
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	if got := strings.Fields(string(out)); !slices.Equal(got, []string{"42", user}) {
		t.Errorf("psql printed %q", out)
	}
}

// TestUnixSocket: a relay listening in a directory is reached as a server
// is, by host=DIR.
func TestUnixSocket(t *testing.T) {
	r := startRelay(t, wire.Config{Listen: t.TempDir()})
	conn := connect(t, r)
	var one int
	if err := conn.QueryRow(context.Background(), "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("%d, %v", one, err)
	}
}

// TestPsqlCancel: psql interrupted (Ctrl-C) while its statement is held
// sends a cancel request, gets 57014 from the relay and ends — it does not
// hang.
func TestPsqlCancel(t *testing.T) {
	r := startRelay(t, wire.Config{Hold: true})
	url := r.URL(pgtest.Server(t).ConnConfig().User, "postgres")
	cmd := exec.Command("psql", url, "-X", "-c", "SELECT 1")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	b := nextBatch(t, r)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-b.Cancelled():
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("psql sent no cancel request, or the relay did not recognise it")
	}
	if err := cmd.Wait(); err == nil || !strings.Contains(out.String(), "canceling statement due to user request") {
		t.Errorf("psql: %v\n%s", err, out.String())
	}
	b.Forward(context.Background())
}
