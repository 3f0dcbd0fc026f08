package interleave_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestATitleShowsALockWait: the engine asks the server whether a statement
// is blocked only once the backend's process title says it waits
// (Config.Titles); the title must say so while it waits, and not before
// nor after.
func TestATitleShowsALockWait(t *testing.T) {
	ctx := context.Background()
	titles := server.Backends()
	holder, err := pgx.ConnectConfig(ctx, server.ConnConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close(ctx)
	waiter, err := pgx.ConnectConfig(ctx, server.ConnConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer waiter.Close(ctx)
	if _, err := holder.Exec(ctx, table); err != nil {
		t.Fatal(err)
	}
	pid := waiter.PgConn().PID()
	if titles.Waiting(pid) {
		t.Fatal("an idle backend's title says it waits")
	}
	tx, err := holder.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "UPDATE t SET v = 1 WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := waiter.Exec(ctx, "UPDATE t SET v = 2 WHERE id = 1")
		done <- err
	}()
	seen := func(want bool) bool {
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			if titles.Waiting(pid) == want {
				return true
			}
		}
		return false
	}
	if !seen(true) {
		t.Fatal("the title of a backend blocked on a row lock never said it waits")
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !seen(false) {
		t.Fatal("the title still says waiting after the wait")
	}
}
