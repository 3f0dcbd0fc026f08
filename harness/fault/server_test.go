package fault_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"jbcheck.dev/jbcheck/harness/fault"
	"jbcheck.dev/jbcheck/harness/pgtest"
	"jbcheck.dev/jbcheck/harness/postgres"
)

// TestCrashKeepsWhatWasCommitted: a crash breaks every connection, the
// server accepts new ones once Inject returns, what was committed before is
// there, and no process of the old server is left.
func TestCrashKeepsWhatWasCommitted(t *testing.T) {
	server := pgtest.Server(t)
	ctx := context.Background()
	ctrl := control(t)
	tbl := table(t, ctrl)
	if _, err := ctrl.Exec(ctx, "INSERT INTO "+tbl+" VALUES (7)"); err != nil {
		t.Fatal(err)
	}
	conn, _ := session(t)
	before := postgres.Processes(server.DataDir())
	start := time.Now()
	if err := lookup(t, "crash").Inject(ctx, fault.Target{Server: server, Control: ctrl}); err != nil {
		t.Fatal(err)
	}
	t.Logf("crash and restart: %v", time.Since(start))
	for _, c := range []interface {
		Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
	}{conn, ctrl} {
		if _, err := c.Exec(ctx, "SELECT 1"); err == nil {
			t.Error("a connection made before the crash still works")
		}
	}
	now := postgres.Processes(server.DataDir())
	for _, pid := range before {
		if slices.Contains(now, pid) {
			t.Errorf("process %d of the crashed server is still there", pid)
		}
	}
	after := control(t)
	if n := count(t, after, tbl, 7); n != 1 {
		t.Errorf("after the crash the committed row is there %d times, want 1", n)
	}
}

// TestPauseTimesCallsOutAndResumes: while the server is paused a statement
// with a deadline times out; once the pause is over (here cut short by its
// context) no process of the cluster is stopped and the server answers.
func TestPauseTimesCallsOutAndResumes(t *testing.T) {
	server := pgtest.Server(t)
	conn, _ := session(t)
	pctx, resume := context.WithCancel(context.Background())
	defer resume()
	paused := make(chan error, 1)
	go func() {
		// A pause far longer than the test: only resume() ends it, so a
		// stall of the test on a loaded machine cannot end it early.
		paused <- fault.Pause{For: time.Hour}.Inject(pctx, fault.Target{Server: server})
	}()
	// Once the session's backend is stopped (the postmaster is first).
	for i := 0; !slices.Contains(postgres.Stopped(server.DataDir()), int(conn.PgConn().PID())); i++ {
		if i == 3000 {
			t.Fatal("the session's backend never stopped")
		}
		time.Sleep(10 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	_, err := conn.Exec(ctx, "SELECT 1")
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) && !pgconn.Timeout(err) {
		t.Errorf("a statement while the server is paused: %v, want a timeout", err)
	}
	if stopped := postgres.Stopped(server.DataDir()); len(stopped) < 2 {
		t.Errorf("only %v stopped: the postmaster and its backends should be", stopped)
	}
	resume()
	if err := <-paused; err != nil {
		t.Fatal(err)
	}
	if stopped := postgres.Stopped(server.DataDir()); len(stopped) > 0 {
		t.Errorf("processes %v are still stopped after the pause", stopped)
	}
	after := control(t)
	if _, err := after.Exec(context.Background(), "SELECT 1"); err != nil {
		t.Errorf("after the pause: %v", err)
	}
}

func TestAPauseOfItsFullLengthEnds(t *testing.T) {
	server := pgtest.Server(t)
	if err := (fault.Pause{For: 50 * time.Millisecond}).Inject(context.Background(), fault.Target{Server: server}); err != nil {
		t.Fatal(err)
	}
	if stopped := postgres.Stopped(server.DataDir()); len(stopped) > 0 {
		t.Errorf("processes %v are still stopped after the pause", stopped)
	}
	if _, err := control(t).Exec(context.Background(), "SELECT 1"); err != nil {
		t.Errorf("after the pause: %v", err)
	}
}
