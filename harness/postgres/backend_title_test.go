package postgres

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestLockWaitReadsTheProcess: a backend queued for a lock another
// session holds is waiting, and queued (asleep in the queue); the holder,
// idle in its transaction — asleep too, but waiting for its client — is
// neither; the waiter granted the lock while it could not run still says
// it waits, but is not queued; once it has run, it is neither; and a
// process that is no backend is unknown.
func TestLockWaitReadsTheProcess(t *testing.T) {
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
		switch waiting, queued, known := b.LockWait(pid); {
		case !known:
			return "unknown"
		case queued:
			return "queued"
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
	eventually("the session queued for the lock", waiter.PgConn().PID(), "queued")
	if got := state(holder.PgConn().PID()); got != "not waiting" {
		t.Errorf("the holder while another waits: %s", got)
	}
	// The lag: a waiter granted its lock says " waiting" until it runs
	// again. Stopped, it cannot run, so it is granted and still says so —
	// and is not queued.
	if err := b.Freeze(waiter.PgConn().PID()); err != nil {
		t.Fatal(err)
	}
	if _, err := holder.Exec(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	if got := state(waiter.PgConn().PID()); got != "waiting" {
		t.Errorf("the waiter granted the lock while stopped: %s, want waiting (the title lags), not queued", got)
	}
	if err := b.Thaw(waiter.PgConn().PID()); err != nil {
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
