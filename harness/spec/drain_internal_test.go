package spec

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestSpecDrainedConnectionHasHandledWhatCame: once a session blocks after
// sending notices, its watched connection reports drained only after its
// goroutine handled every one of them — what the tester relies on to print
// a blocked step's notices before its "<waiting ...>".
func TestSpecDrainedConnectionHasHandledWhatCame(t *testing.T) {
	ctx := context.Background()
	server := testServer
	holder, err := server.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close(ctx)
	var notices atomic.Int64
	cfg := server.ConnConfig()
	// A slow handler: the server has sent every notice and waits for the
	// lock long before the goroutine has handled them.
	cfg.OnNotice = func(*pgconn.PgConn, *pgconn.Notice) { time.Sleep(time.Millisecond); notices.Add(1) }
	watchDial(cfg)
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	w, ok := conn.PgConn().Conn().(*watchedConn)
	if !ok {
		t.Fatalf("the session's connection is a %T, not watched", conn.PgConn().Conn())
	}
	const sent = 200
	for round := range 3 {
		notices.Store(0)
		if _, err := holder.Exec(ctx, "SELECT pg_advisory_lock(1)"); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			_, err := conn.Exec(ctx, fmt.Sprintf(`DO $$ BEGIN FOR i IN 1..%d LOOP RAISE NOTICE 'n%%', i; END LOOP; END $$;
				SELECT pg_advisory_lock(1); SELECT pg_advisory_unlock(1)`, sent))
			done <- err
		}()
		// Wait until the server says the session waits for the lock.
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
			var waiting bool
			if err := holder.QueryRow(ctx, "SELECT count(*) > 0 FROM pg_locks WHERE NOT granted AND locktype = 'advisory'").Scan(&waiting); err != nil {
				t.Fatal(err)
			}
			if waiting {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the session never waited for the lock")
			}
		}
		w.awaitDrained()
		if !w.drained() {
			t.Fatalf("round %d: the blocked session's connection never drained", round)
		}
		if got := notices.Load(); got != sent {
			t.Fatalf("round %d: drained with %d of the %d notices handled", round, got, sent)
		}
		holder.Exec(ctx, "SELECT pg_advisory_unlock(1)")
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
