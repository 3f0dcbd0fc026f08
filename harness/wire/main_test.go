package wire_test

import (
	"context"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/pgtest"
	"jbcheck.dev/jbcheck/harness/wire"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// startRelay starts a relay in front of the test cluster, closed when t
// ends.
func startRelay(t testing.TB, cfg wire.Config) *wire.Relay {
	t.Helper()
	cfg.Backend = wire.BackendDialer(&pgtest.Server(t).ConnConfig().Config)
	r, err := wire.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// connect opens a pgx connection through r as the cluster's superuser,
// closed when t ends.
func connect(t testing.TB, r *wire.Relay, params ...string) *pgx.Conn {
	t.Helper()
	url := r.URL(pgtest.Server(t).ConnConfig().User, "postgres")
	if len(params) > 0 {
		url += "&" + strings.Join(params, "&")
	}
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// forwardAll forwards every held batch until the relay closes, and sends
// each on seen (if not nil) once forwarded.
func forwardAll(r *wire.Relay, seen chan<- *wire.Batch) {
	go func() {
		for b := range r.Batches() {
			b.Forward(context.Background())
			if seen != nil {
				seen <- b
			}
		}
	}()
}

// relayStacks are the stacks of the goroutines serving relays.
func relayStacks() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var stacks []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "harness/wire.(*conn)") || strings.Contains(g, "harness/wire.(*Relay)") {
			stacks = append(stacks, g)
		}
	}
	return stacks
}

// relayGoroutines counts the goroutines serving relays.
func relayGoroutines() int { return len(relayStacks()) }

// eventually polls cond for up to ten seconds: for what the server or the
// runtime does after an answer (a backend exiting, a goroutine ending).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s: %s; the relays' goroutines:\n%s", what, strings.Join(relayStacks(), "\n\n"))
		}
	}
}
