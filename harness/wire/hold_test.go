package wire_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"jbcheck.dev/jbcheck/harness/wire"
)

// TestHeldBatchesAreSteps: holding, each Query and each Execute batch waits
// as a Batch that names its statement, arguments, connection and backend;
// forwarded, it reports the server's tag and transaction status. The
// protocol's other exchanges (prepare, COPY data, a pipeline) still work.
func TestHeldBatchesAreSteps(t *testing.T) {
	r := startRelay(t, wire.Config{Hold: true})
	seen := make(chan *wire.Batch, 100)
	type step struct {
		sql           string
		args          []any
		tag           string
		before, after byte
		err           error
	}
	steps := make(chan step, 100)
	go func() {
		for b := range r.Batches() {
			tag, before, after, err := b.Forward(context.Background())
			seen <- b
			steps <- step{b.SQL, b.Args, tag, before, after, err}
		}
	}()
	conn := connect(t, r)
	ctx := context.Background()
	// pgx's connect ran no step (its startup is not one): the first is ours.
	if _, err := conn.Exec(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT $1::int * 2", 21).Scan(&n); err != nil || n != 42 {
		t.Fatalf("%d, %v", n, err)
	}
	if _, err := conn.Exec(ctx, "SELECT 1/0", pgx.QueryExecModeSimpleProtocol); err == nil {
		t.Fatal("no error from 1/0")
	}
	if _, err := conn.Exec(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	want := []step{
		{sql: "BEGIN", tag: "BEGIN", before: 'I', after: 'T'},
		// pgx sends an int4 in binary: 21.
		{sql: "SELECT $1::int * 2", args: []any{`\x00000015`}, tag: "SELECT 1", before: 'T', after: 'T'},
		{sql: "SELECT 1/0", before: 'T', after: 'E'},
		{sql: "ROLLBACK", tag: "ROLLBACK", before: 'E', after: 'I'},
	}
	for i, w := range want {
		var got step
		select {
		case got = <-steps:
		case <-time.After(10 * time.Second):
			t.Fatalf("step %d never came", i)
		}
		b := <-seen
		if b.ConnID == 0 || b.BackendPID != conn.PgConn().PID() {
			t.Errorf("step %d: connection %d, backend %d (the client's is %d)", i, b.ConnID, b.BackendPID, conn.PgConn().PID())
		}
		errText := ""
		if got.err != nil {
			errText = got.err.Error()
		}
		if got.sql != w.sql || fmt.Sprint(got.args) != fmt.Sprint(w.args) || got.tag != w.tag || got.before != w.before || got.after != w.after ||
			(w.sql == "SELECT 1/0") != (errText != "") {
			t.Errorf("step %d: %q %v → %q %c→%c %v; want %q %v → %q %c→%c", i, got.sql, got.args, got.tag, got.before, got.after, got.err,
				w.sql, w.args, w.tag, w.before, w.after)
		}
	}
	exercise(t, conn)
}

// heldQuery runs sql on conn in the background until it is held, and
// returns the held batch and the query's eventual error.
func heldQuery(t *testing.T, r *wire.Relay, conn *pgconn.PgConn, sql string) (*wire.Batch, <-chan error) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- conn.Exec(context.Background(), sql).Close() }()
	select {
	case b := <-r.Batches():
		if b.SQL != sql {
			t.Fatalf("held %q, want %q", b.SQL, sql)
		}
		return b, done
	case err := <-done:
		t.Fatalf("%s was not held: %v", sql, err)
	case <-time.After(10 * time.Second):
		t.Fatalf("%s was not held", sql)
	}
	return nil, nil
}

// TestCancelHeldStatement: a client cancels a statement the relay holds.
// The client gets 57014 at once; the statement never reaches the server;
// inside a transaction the transaction fails (status E), as after a real
// cancel; and the connection goes on.
func TestCancelHeldStatement(t *testing.T) {
	r := startRelay(t, wire.Config{Hold: true})
	ctx := context.Background()
	conn := connect(t, r).PgConn()
	admin := connect(t, startRelay(t, wire.Config{})) // not held
	if _, err := admin.Exec(ctx, "DROP TABLE IF EXISTS wire_cancel; CREATE TABLE wire_cancel (k int)"); err != nil {
		t.Fatal(err)
	}
	for _, inTx := range []bool{false, true} {
		if inTx {
			b, done := heldQuery(t, r, conn, "BEGIN")
			b.Forward(ctx)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		}
		b, done := heldQuery(t, r, conn, "INSERT INTO wire_cancel VALUES (1)")
		if err := conn.CancelRequest(ctx); err != nil {
			t.Fatal(err)
		}
		select {
		case <-b.Cancelled():
		case <-time.After(10 * time.Second):
			t.Fatal("the batch was not marked cancelled")
		}
		var pgErr *pgconn.PgError
		if err := <-done; !errors.As(err, &pgErr) || pgErr.Code != "57014" {
			t.Fatalf("the client got %v, want 57014", err)
		}
		wantTx := byte('I')
		if inTx {
			wantTx = 'E'
		}
		if got := conn.TxStatus(); got != wantTx {
			t.Errorf("in a transaction %v: status %c after the cancel, want %c", inTx, got, wantTx)
		}
		// Forward reports the cancel's answer and sends nothing.
		_, before, after, err := b.Forward(ctx)
		if !errors.As(err, &pgErr) || pgErr.Code != "57014" || after != wantTx || before != b.TxBefore() {
			t.Errorf("Forward: %c→%c %v, want 57014 and %c", before, after, err, wantTx)
		}
		if inTx {
			b, done := heldQuery(t, r, conn, "ROLLBACK")
			b.Forward(ctx)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		}
		// The session goes on.
		b, done = heldQuery(t, r, conn, "SELECT count(*) FROM wire_cancel")
		if _, _, _, err := b.Forward(ctx); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	var rows int
	if err := admin.QueryRow(ctx, "SELECT count(*) FROM wire_cancel").Scan(&rows); err != nil || rows != 0 {
		t.Errorf("%d rows inserted by cancelled statements (%v)", rows, err)
	}
}

// TestCancelForwardedStatement: a cancel for a statement already at the
// server reaches the server.
func TestCancelForwardedStatement(t *testing.T) {
	r := startRelay(t, wire.Config{Hold: true})
	conn := connect(t, r).PgConn()
	ctx := context.Background()
	b, done := heldQuery(t, r, conn, "SELECT pg_sleep(30)")
	forwarded := make(chan error, 1)
	go func() { _, _, _, err := b.Forward(ctx); forwarded <- err }()
	// Once the server runs it (pg_stat_activity says so), cancel it.
	admin := connect(t, startRelay(t, wire.Config{}))
	eventually(t, "the statement runs", func() bool {
		var state string
		admin.QueryRow(ctx, "SELECT state FROM pg_stat_activity WHERE pid = $1", int32(b.BackendPID)).Scan(&state)
		return state == "active"
	})
	if err := conn.CancelRequest(ctx); err != nil {
		t.Fatal(err)
	}
	var pgErr *pgconn.PgError
	if err := <-done; !errors.As(err, &pgErr) || pgErr.Code != "57014" {
		t.Fatalf("the client got %v, want 57014", err)
	}
	if err := <-forwarded; !errors.As(err, &pgErr) || pgErr.Code != "57014" {
		t.Fatalf("Forward: %v, want 57014", err)
	}
	select {
	case <-b.Cancelled():
		t.Error("a forwarded batch was marked cancelled")
	default:
	}
}

// TestDisconnectWhileHeld: a client that disconnects while its statement
// is held leaves nothing behind: the batch is Closed, Forward returns
// ErrClosed at once, the backend is gone (its transaction rolled back, its
// row lock released) and so are the connection's goroutines.
func TestDisconnectWhileHeld(t *testing.T) {
	before := relayGoroutines()
	var events []wire.ConnEvent
	evs := make(chan wire.ConnEvent, 10)
	r := startRelay(t, wire.Config{Hold: true, OnConn: func(e wire.ConnEvent) { evs <- e }})
	ctx := context.Background()
	admin := connect(t, startRelay(t, wire.Config{}))
	if _, err := admin.Exec(ctx, "DROP TABLE IF EXISTS wire_gone; CREATE TABLE wire_gone (k int PRIMARY KEY); INSERT INTO wire_gone VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	cfg, err := pgconn.ParseConfig(r.URL(admin.Config().User, "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	events = append(events, <-evs)
	b, done := heldQuery(t, r, conn, "BEGIN")
	b.Forward(ctx)
	<-done
	b, done = heldQuery(t, r, conn, "SELECT k FROM wire_gone FOR UPDATE")
	b.Forward(ctx)
	<-done
	// Gone, without a Terminate: through the raw connection (pgconn, on
	// an error, would send a cancel request first, and the batch would end
	// Cancelled).
	h, err := conn.Hijack()
	if err != nil {
		t.Fatal(err)
	}
	h.Frontend.SendQuery(&pgproto3.Query{String: "UPDATE wire_gone SET k = 2"})
	if err := h.Frontend.Flush(); err != nil {
		t.Fatal(err)
	}
	b = nextBatch(t, r)
	h.Conn.Close()
	eventually(t, "the held batch is marked closed", func() bool {
		select {
		case <-b.Closed():
			return true
		default:
			return false
		}
	})
	if _, _, _, err := b.Forward(ctx); !errors.Is(err, wire.ErrClosed) {
		t.Errorf("Forward: %v, want ErrClosed", err)
	}
	events = append(events, <-evs)
	if !slices.Equal([]bool{events[0].Closed, events[1].Closed}, []bool{false, true}) ||
		events[0].ConnID != b.ConnID || events[1].BackendPID != b.BackendPID {
		t.Errorf("connection events %+v for batch of connection %d", events, b.ConnID)
	}
	eventually(t, "the backend exits", func() bool {
		var n int
		admin.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", int32(b.BackendPID)).Scan(&n)
		return n == 0
	})
	// Its row lock is released, the update never ran.
	var k int
	if err := admin.QueryRow(ctx, "SELECT k FROM wire_gone FOR UPDATE NOWAIT").Scan(&k); err != nil || k != 1 {
		t.Errorf("the row: %d, %v", k, err)
	}
	// The relays' listeners and the admin connection remain: three
	// goroutines each for the admin connection, one per accept loop.
	eventually(t, "the connection's goroutines end", func() bool { return relayGoroutines()-before == 3+2 })
}

// TestCloseLeavesNothing: Close ends every connection — idle, held, in a
// transaction — and every goroutine, and closes Batches.
func TestCloseLeavesNothing(t *testing.T) {
	before := relayGoroutines()
	r := startRelay(t, wire.Config{Hold: true})
	ctx := context.Background()
	var conns []*pgconn.PgConn
	for range 3 {
		conns = append(conns, connect(t, r).PgConn())
	}
	held, heldDone := heldQuery(t, r, conns[0], "SELECT 1")
	b, done := heldQuery(t, r, conns[1], "BEGIN")
	b.Forward(ctx)
	<-done
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if n := relayGoroutines() - before; n != 0 {
		t.Errorf("%d goroutines of the relay left after Close", n)
	}
	if _, _, _, err := held.Forward(ctx); !errors.Is(err, wire.ErrClosed) {
		t.Errorf("a held batch's Forward after Close: %v", err)
	}
	if err := <-heldDone; err == nil {
		t.Error("a held statement succeeded though the relay closed")
	}
	if _, ok := <-r.Batches(); ok {
		t.Error("Batches is not closed")
	}
}
