package fault_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"jbcheck.dev/jbcheck/harness/fault"
	"jbcheck.dev/jbcheck/harness/pgtest"
	"jbcheck.dev/jbcheck/harness/postgres"
	"jbcheck.dev/jbcheck/harness/record"
	"jbcheck.dev/jbcheck/histories"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// session opens a connection through fault.Dial, closed when t ends.
func session(t *testing.T) (*pgx.Conn, *fault.Link) {
	t.Helper()
	cfg := pgtest.Server(t).ConnConfig()
	var dialled []*fault.Link
	fault.Dial(cfg, func(l *fault.Link) { dialled = append(dialled, l) })
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	link := fault.LinkOf(conn)
	if link == nil || len(dialled) != 1 || dialled[0] != link {
		t.Fatalf("the connection's link is %p; Dial handed %v", link, dialled)
	}
	return conn, link
}

// control opens a harness connection, closed when t ends.
func control(t *testing.T) *pgx.Conn {
	t.Helper()
	conn, err := pgtest.Server(t).Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func lookup(t *testing.T, name string) fault.Fault {
	t.Helper()
	f, err := fault.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Applies(pgtest.Server(t)); err != nil {
		t.Fatalf("%s does not apply to the embedded cluster: %v", name, err)
	}
	return f
}

func TestNamesAreTheHistoryFormatsFaultKinds(t *testing.T) {
	if !slices.Equal(fault.Names(), histories.FaultKinds) {
		t.Errorf("fault names %v, history fault kinds %v", fault.Names(), histories.FaultKinds)
	}
	for _, name := range fault.Names() {
		f, err := fault.Lookup(name)
		if err != nil || f.Name() != name {
			t.Errorf("Lookup(%q) = %v, %v", name, f, err)
		}
		if want := name == "crash" || name == "pause"; f.OnServer() != want {
			t.Errorf("%s: OnServer %v, want %v", name, f.OnServer(), want)
		}
	}
}

func TestParse(t *testing.T) {
	faults, err := fault.Parse("kill, crash,lose-reply")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range faults {
		names = append(names, f.Name())
	}
	if !slices.Equal(names, []string{"kill", "crash", "lose-reply"}) {
		t.Errorf("parsed %v", names)
	}
	for _, bad := range []string{"", "kill,", "explode", "kill,kill"} {
		if _, err := fault.Parse(bad); err == nil {
			t.Errorf("Parse(%q) took it", bad)
		}
	}
	_, err = fault.Parse("crash,explode")
	if !errors.Is(err, fault.ErrUnknown) || !strings.Contains(err.Error(), strings.Join(fault.Names(), ", ")) {
		t.Errorf("an unknown fault: %v; want ErrUnknown listing %v", err, fault.Names())
	}
}

// TestServerFaultsNeedTheEmbeddedCluster: on a database reached through a
// DSN (here, one on the embedded cluster's own server), crash and pause do
// not apply and say why; the session faults do.
func TestServerFaultsNeedTheEmbeddedCluster(t *testing.T) {
	cfg := pgtest.Server(t).ConnConfig()
	dsn := fmt.Sprintf("host=%s port=%d user=%s dbname=%s", cfg.Host, cfg.Port, cfg.User, cfg.Database)
	s, err := postgres.Start(context.Background(), postgres.Options{DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	for _, name := range fault.Names() {
		f, _ := fault.Lookup(name)
		for _, server := range []*postgres.Server{s, nil} {
			err := f.Applies(server)
			if f.OnServer() != (err != nil) {
				t.Errorf("%s on a DSN server (%v): %v", name, server != nil, err)
			}
			if err != nil && (!errors.Is(err, fault.ErrNotApplicable) || !strings.Contains(err.Error(), "embedded")) {
				t.Errorf("%s: %v; want ErrNotApplicable naming the embedded cluster", name, err)
			}
		}
	}
}

// TestKillBreaksTheSessionsConnection: a session killed while it runs a
// statement gets 57P01 (it may have happened: info); one killed while idle
// fails at its next statement. Either way its connection is closed.
func TestKillBreaksTheSessionsConnection(t *testing.T) {
	ctx := context.Background()
	ctrl := control(t)
	conn, _ := session(t)
	pid := conn.PgConn().PID()
	slept := make(chan error, 1)
	go func() {
		_, err := conn.Exec(ctx, "SELECT pg_sleep(60)")
		slept <- err
	}()
	waitFor(t, ctrl, sleeping, pid)
	if err := lookup(t, "kill").Inject(ctx, fault.Target{Control: ctrl, PID: pid}); err != nil {
		t.Fatal(err)
	}
	var pgErr *pgconn.PgError
	if err := <-slept; !errors.As(err, &pgErr) || pgErr.Code != "57P01" || record.Classify(err) != histories.Info || !conn.IsClosed() {
		t.Errorf("the killed session's statement: %v (closed %v), want 57P01, info, closed", err, conn.IsClosed())
	}

	conn, _ = session(t)
	pid = conn.PgConn().PID()
	if err := lookup(t, "kill").Inject(ctx, fault.Target{Control: ctrl, PID: pid}); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "SELECT 1"); err == nil || !conn.IsClosed() {
		t.Errorf("after a kill while idle: %v, closed %v; want an error and a closed connection", err, conn.IsClosed())
	}
	// The backend is gone: a second kill misses.
	if err := lookup(t, "kill").Inject(ctx, fault.Target{Control: ctrl, PID: pid}); !errors.Is(err, fault.ErrMissed) {
		t.Errorf("killing a gone backend: %v, want ErrMissed", err)
	}
}

// sleeping asks whether backend $1 is running a pg_sleep.
const sleeping = "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE pid = $1 AND state = 'active' AND query LIKE '%pg_sleep%')"

func TestCancelEndsTheRunningStatement(t *testing.T) {
	conn, _ := session(t)
	ctrl := control(t)
	ctx := context.Background()
	slept := make(chan error, 1)
	go func() {
		_, err := conn.Exec(ctx, "SELECT pg_sleep(60)")
		slept <- err
	}()
	waitFor(t, ctrl, sleeping, conn.PgConn().PID())
	if err := lookup(t, "cancel").Inject(ctx, fault.Target{Control: ctrl, PID: conn.PgConn().PID()}); err != nil {
		t.Fatal(err)
	}
	var pgErr *pgconn.PgError
	if err := <-slept; !errors.As(err, &pgErr) || pgErr.Code != "57014" {
		t.Fatalf("the cancelled pg_sleep: %v, want 57014", err)
	}
	// The connection stays.
	if _, err := conn.Exec(ctx, "SELECT 1"); err != nil {
		t.Errorf("after the cancel the session is broken: %v", err)
	}
}

// waitFor polls a boolean query about pid until it is true.
func waitFor(t *testing.T, conn *pgx.Conn, query string, pid uint32) {
	t.Helper()
	for i := 0; ; i++ {
		var ok bool
		if err := conn.QueryRow(context.Background(), query, int32(pid)).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		if ok {
			return
		}
		if i == 3000 {
			t.Fatalf("never true: %s", query)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// table makes a fresh table and returns its name.
func table(t *testing.T, ctrl *pgx.Conn) string {
	t.Helper()
	name := strings.ToLower(strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()))
	if _, err := ctrl.Exec(context.Background(), "DROP TABLE IF EXISTS "+name+"; CREATE TABLE "+name+" (v int)"); err != nil {
		t.Fatal(err)
	}
	return name
}

func count(t *testing.T, ctrl *pgx.Conn, table string, v int) int {
	t.Helper()
	var n int
	if err := ctrl.QueryRow(context.Background(), "SELECT count(*) FROM "+table+" WHERE v = $1", v).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// lostReply checks what the client of a lost reply sees: an error, a
// closed connection, a link that says it lost the reply. With the extended
// protocol (a statement with arguments) pgx passes ErrReplyLost on, not
// safe to retry; with the simple protocol it says "conn closed", which it
// marks safe to retry although the request was sent (Link.Sent is what
// tells).
func lostReply(t *testing.T, conn *pgx.Conn, link *fault.Link, err error, extended bool) {
	t.Helper()
	if err == nil || !conn.IsClosed() {
		t.Fatalf("the reply was not lost: error %v, closed %v", err, conn.IsClosed())
	}
	if extended && (!errors.Is(err, fault.ErrReplyLost) || pgconn.SafeToRetry(err) || record.Classify(err) != histories.Info) {
		t.Errorf("the client saw %v (safe to retry: %v); want ErrReplyLost, info", err, pgconn.SafeToRetry(err))
	}
	if !extended && !errors.Is(err, fault.ErrReplyLost) && !errors.Is(err, pgconn.ErrConnClosed) {
		t.Errorf("the client saw %v; want ErrReplyLost or pgx's conn closed", err)
	}
	select {
	case <-link.Lost():
	default:
		t.Error("the link does not say it lost a reply")
	}
}

func TestLoseReplyOfAnAutocommitInsertThatHappened(t *testing.T) {
	conn, link := session(t)
	ctrl := control(t)
	tbl := table(t, ctrl)
	ctx := context.Background()
	if err := lookup(t, "lose-reply").Inject(ctx, fault.Target{Link: link}); err != nil {
		t.Fatal(err)
	}
	sent := link.Sent()
	_, err := conn.Exec(ctx, "INSERT INTO "+tbl+" VALUES (1)")
	lostReply(t, conn, link, err, false)
	if link.Sent() == sent {
		t.Error("the link says nothing was sent")
	}
	if n := count(t, ctrl, tbl, 1); n != 1 {
		t.Errorf("%d rows inserted, want 1: the server acted on the request whose reply was lost", n)
	}
}

// TestLoseTheCommitsReply: armed for a commit's reply, the link passes the
// replies of BEGIN, of a prepared statement's description and of the
// INSERT, and loses COMMIT's; the row is there. Outside a transaction it
// loses the reply of the statement itself, after passing its preparation.
func TestLoseTheCommitsReply(t *testing.T) {
	ctx := context.Background()
	ctrl := control(t)
	tbl := table(t, ctrl)
	loseCommit := fault.LoseReply{Commit: true}

	conn, link := session(t)
	if err := loseCommit.Inject(ctx, fault.Target{Link: link}); err != nil {
		t.Fatal(err)
	}
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO "+tbl+" VALUES ($1)", 1)
		if err != nil {
			return fmt.Errorf("the INSERT's reply did not pass: %w", err)
		}
		return nil
	})
	lostReply(t, conn, link, err, false) // COMMIT goes by the simple protocol
	if n := count(t, ctrl, tbl, 1); n != 1 {
		t.Errorf("%d rows committed, want 1", n)
	}

	conn, link = session(t)
	link.LoseNextCommitReply()
	_, err = conn.Exec(ctx, "INSERT INTO "+tbl+" VALUES ($1)", 2)
	lostReply(t, conn, link, err, true)
	if n := count(t, ctrl, tbl, 2); n != 1 {
		t.Errorf("%d rows inserted outside a transaction, want 1", n)
	}
}

func TestAnArmedLinkThatClosesMisses(t *testing.T) {
	conn, link := session(t)
	if err := (fault.LoseReply{}).Inject(context.Background(), fault.Target{Link: link}); err != nil {
		t.Fatal(err)
	}
	conn.Close(context.Background())
	if err := link.AwaitLoss(context.Background()); !errors.Is(err, fault.ErrMissed) {
		t.Errorf("a link closed before its reply: %v, want ErrMissed", err)
	}
	if err := (fault.LoseReply{}).Inject(context.Background(), fault.Target{Link: link}); !errors.Is(err, fault.ErrMissed) {
		t.Errorf("arming a closed link: %v, want ErrMissed", err)
	}
}
