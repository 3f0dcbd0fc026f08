package postgres

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestLockWaitingReadsTheProcessTitle: a backend queued for a lock another
// session holds is waiting; the holder, idle in its transaction, is not;
// the waiter, once granted, is not; and a process that is no backend is
// unknown.
func TestLockWaitingReadsTheProcessTitle(t *testing.T) {
	s := startTest(t, Options{})
	ctx := context.Background()
	holder, err := s.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close(ctx)
	waiter, err := s.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer waiter.Close(ctx)
	b := s.Backends()
	defer b.Close()
	state := func(pid uint32) string {
		switch waiting, known := b.LockWaiting(pid); {
		case !known:
			return "unknown"
		case waiting:
			return "waiting"
		}
		return "not waiting"
	}
	// eventually polls, as a lock wait begins and ends a moment after the
	// statement is sent.
	eventually := func(what string, pid uint32, want string) {
		t.Helper()
		got := ""
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			if got = state(pid); got == want {
				return
			}
		}
		t.Fatalf("%s: %s, want %s", what, got, want)
	}
	if _, err := holder.Exec(ctx, "BEGIN; SELECT pg_advisory_xact_lock(1)"); err != nil {
		t.Fatal(err)
	}
	eventually("the holder, idle in its transaction", holder.PgConn().PID(), "not waiting")
	done := make(chan error, 1)
	go func() {
		_, err := waiter.Exec(ctx, "SELECT pg_advisory_xact_lock(1)")
		done <- err
	}()
	eventually("the session queued for the lock", waiter.PgConn().PID(), "waiting")
	if got := state(holder.PgConn().PID()); got != "not waiting" {
		t.Errorf("the holder while another waits: %s", got)
	}
	if _, err := holder.Exec(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	eventually("the session granted the lock", waiter.PgConn().PID(), "not waiting")
	if got := state(uint32(os.Getpid())); got != "unknown" {
		t.Errorf("a process that is no backend (the test itself): %s", got)
	}
}
