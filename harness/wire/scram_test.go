package wire_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"jbcheck.dev/jbcheck/harness/pgtest"
	"jbcheck.dev/jbcheck/harness/postgres"
	"jbcheck.dev/jbcheck/harness/wire"
)

const scramRole = "wire_scram"

var (
	scramOnce     sync.Once
	scramPassword string
	scramErr      error
)

// scramUser makes a role that must log in with SCRAM-SHA-256, even on the
// cluster's private socket (a pg_hba.conf line of its own, above the
// socket's trust), and returns its password (random: never printed).
func scramUser(t *testing.T) string {
	t.Helper()
	scramOnce.Do(func() { scramPassword, scramErr = makeScramUser(pgtest.Server(t)) })
	if scramErr != nil {
		t.Fatal(scramErr)
	}
	return scramPassword
}

func makeScramUser(srv *postgres.Server) (string, error) {
	ctx := context.Background()
	conn, err := srv.Connect(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	password := rand.Text()
	// The password stays a bind parameter: CREATE ROLE takes none, so it
	// goes through a setting of this session.
	if _, err := conn.Exec(ctx, "SELECT set_config('wire.password', $1, false)", password); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, `SET password_encryption = 'scram-sha-256';
		DO $$BEGIN EXECUTE format('CREATE ROLE wire_scram LOGIN PASSWORD %L', current_setting('wire.password')); END$$;
		GRANT ALL ON DATABASE postgres TO wire_scram`); err != nil {
		return "", err
	}
	hba := filepath.Join(srv.DataDir(), "pg_hba.conf")
	rules, err := os.ReadFile(hba)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(hba, append([]byte("local all "+scramRole+" scram-sha-256\n"), rules...), 0o600); err != nil {
		return "", err
	}
	var ok bool
	if err := conn.QueryRow(ctx, "SELECT pg_reload_conf()").Scan(&ok); err != nil {
		return "", err
	}
	// The reload is asynchronous: wait until a connection without the
	// password is refused.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		cfg := srv.ConnConfig()
		cfg.User = scramRole
		c, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			return password, nil
		}
		c.Close(ctx)
	}
	return "", errors.New("pg_hba.conf reloaded, yet wire_scram still logs in without a password after 10 s")
}

// TestScramWithPgx: pgx logs in through the relay with SCRAM-SHA-256 —
// the relay passes the exchange through — and a wrong password is
// refused by the server.
func TestScramWithPgx(t *testing.T) {
	password := scramUser(t)
	r := startRelay(t, wire.Config{Hold: true})
	forwardAll(r, nil)
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(r.URL(scramRole, "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Password = password
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("connecting with SCRAM through the relay: %v", err)
	}
	defer conn.Close(ctx)
	var who string
	if err := conn.QueryRow(ctx, "SELECT current_user").Scan(&who); err != nil || who != scramRole {
		t.Fatalf("current_user %q, %v", who, err)
	}
	cfg.Password = "not-" + password
	var pgErr *pgconn.PgError
	if _, err := pgx.ConnectConfig(ctx, cfg); !errors.As(err, &pgErr) || pgErr.Code != "28P01" {
		t.Errorf("a wrong password: %v, want 28P01", err)
	}
}

// TestScramWithNode: Node's pg driver logs in through the relay with
// SCRAM-SHA-256, and its queries (the extended protocol, a transaction)
// are held and forwarded as steps.
func TestScramWithNode(t *testing.T) {
	password := scramUser(t)
	dir := nodeModules(t)
	r := startRelay(t, wire.Config{Hold: true})
	seen := make(chan *wire.Batch, 100)
	forwardAll(r, seen)
	cmd := exec.Command("node", filepath.Join(dir, "client.js"))
	cmd.Env = append(os.Environ(), "DATABASE_URL="+r.URL(scramRole, "postgres"), "PGPASSWORD="+password)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("node: %v\n%s%s", err, out, stderr)
	}
	var got struct {
		Who string
		N   int
		T   string
	}
	if err := json.Unmarshal(out, &got); err != nil || got.Who != scramRole || got.N != 42 || got.T != "in a transaction" {
		t.Fatalf("node printed %s (%v)", out, err)
	}
	var steps []string
	for len(steps) < 4 {
		b := <-seen
		steps = append(steps, b.SQL)
	}
	want := []string{"SELECT current_user AS who, $1::int + 1 AS n", "BEGIN", "SELECT $1::text AS t", "COMMIT"}
	if strings.Join(steps, "|") != strings.Join(want, "|") {
		t.Errorf("held steps %q, want %q", steps, want)
	}
}

// nodeModules installs Node's pg driver beside the test client, once per
// machine, and returns the client's directory. Node is required: make
// test installs it (make node).
func nodeModules(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is not installed: run make node (it installs nodejs and npm)")
	}
	dir := filepath.Join(os.TempDir(), "jbcheck-wire-node")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"package.json", "client.js"} {
		b, err := os.ReadFile(filepath.Join("testdata", "node", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "pg")); err == nil {
		return dir
	}
	cmd := exec.Command("npm", "install", "--no-audit", "--no-fund", "--silent")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm install (pg for the test client): %v\n%s", err, out)
	}
	return dir
}
