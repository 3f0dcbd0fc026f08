package wire_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"jbcheck.dev/jbcheck/harness/wire"
)

// rawClient is a connection through r whose messages the test writes
// itself.
func rawClient(t *testing.T, r *wire.Relay) *pgconn.HijackedConn {
	t.Helper()
	conn := connect(t, r).PgConn()
	h, err := conn.Hijack()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Conn.Close() })
	return h
}

// receiveUntil reads messages until one of type T, and returns the types
// read (as pgproto3 names them) and the T.
func receiveUntil[T pgproto3.BackendMessage](t *testing.T, f *pgproto3.Frontend) ([]string, T) {
	t.Helper()
	var seen []string
	for {
		msg, err := f.Receive()
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, typeName(msg))
		if m, ok := msg.(T); ok {
			return seen, m
		}
	}
}

func typeName(m pgproto3.BackendMessage) string {
	switch m.(type) {
	case *pgproto3.ParseComplete:
		return "ParseComplete"
	case *pgproto3.BindComplete:
		return "BindComplete"
	case *pgproto3.ErrorResponse:
		return "ErrorResponse"
	case *pgproto3.ReadyForQuery:
		return "ReadyForQuery"
	case *pgproto3.CommandComplete:
		return "CommandComplete"
	}
	return "other"
}

func nextBatch(t *testing.T, r *wire.Relay) *wire.Batch {
	t.Helper()
	select {
	case b := <-r.Batches():
		return b
	case <-time.After(10 * time.Second):
		t.Fatal("no batch held")
	}
	return nil
}

func noBatch(t *testing.T, r *wire.Relay, why string) {
	t.Helper()
	select {
	case b := <-r.Batches():
		t.Fatalf("%q held %s", b.SQL, why)
	case <-time.After(50 * time.Millisecond):
	}
}

// TestFlushOpensAStep: an Execute ended by a Flush is a step that ends at
// the ReadyForQuery after the client's Sync; the client sees its results
// before sending the Sync.
func TestFlushOpensAStep(t *testing.T) {
	r := startRelay(t, wire.Config{Hold: true})
	h := rawClient(t, r)
	f := h.Frontend
	f.SendParse(&pgproto3.Parse{Query: "SELECT $1::int + 1"})
	f.SendBind(&pgproto3.Bind{Parameters: [][]byte{[]byte("41")}})
	f.SendExecute(&pgproto3.Execute{})
	f.Send(&pgproto3.Flush{})
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
	b := nextBatch(t, r)
	if b.SQL != "SELECT $1::int + 1" || len(b.Args) != 1 || b.Args[0] != "41" {
		t.Fatalf("held %q %v", b.SQL, b.Args)
	}
	type fwd struct {
		tag string
		err error
	}
	done := make(chan fwd, 1)
	go func() { tag, _, _, err := b.Forward(context.Background()); done <- fwd{tag, err} }()
	seen, _ := receiveUntil[*pgproto3.CommandComplete](t, f)
	if len(seen) != 4 { // ParseComplete, BindComplete, DataRow, CommandComplete
		t.Errorf("before the Sync the client read %v", seen)
	}
	select {
	case <-done:
		t.Fatal("the step ended before its Sync")
	case <-time.After(50 * time.Millisecond):
	}
	f.SendSync(&pgproto3.Sync{})
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
	receiveUntil[*pgproto3.ReadyForQuery](t, f)
	if got := <-done; got.err != nil || got.tag != "SELECT 1" {
		t.Errorf("Forward: %q, %v", got.tag, got.err)
	}
	// The Sync closed the step: the next one is held again.
	f.SendQuery(&pgproto3.Query{String: "SELECT 3"})
	f.Flush()
	if b := nextBatch(t, r); b.SQL != "SELECT 3" {
		t.Errorf("held %q", b.SQL)
	} else {
		b.Forward(context.Background())
	}
}

// TestCancelFlushEndedStep: a held Execute ended by a Flush, cancelled,
// is answered with the error alone (no ParseComplete nor BindComplete:
// nothing was parsed); the client's Sync then gets the ReadyForQuery.
func TestCancelFlushEndedStep(t *testing.T) {
	r := startRelay(t, wire.Config{Hold: true})
	conn := connect(t, r).PgConn()
	pid, secret := conn.PID(), conn.SecretKey()
	h, err := conn.Hijack()
	if err != nil {
		t.Fatal(err)
	}
	defer h.Conn.Close()
	f := h.Frontend
	f.SendParse(&pgproto3.Parse{Name: "s1", Query: "SELECT 1"})
	f.SendBind(&pgproto3.Bind{PreparedStatement: "s1"})
	f.SendExecute(&pgproto3.Execute{})
	f.Send(&pgproto3.Flush{})
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
	b := nextBatch(t, r)
	// A cancel request as any driver sends it, on a connection of its own.
	sendCancel(t, r, pid, secret)
	<-b.Cancelled()
	seen, e := receiveUntil[*pgproto3.ErrorResponse](t, f)
	if len(seen) != 1 || e.Code != "57014" {
		t.Fatalf("the client read %v (%s)", seen, e.Code)
	}
	f.SendSync(&pgproto3.Sync{})
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
	if _, rfq := receiveUntil[*pgproto3.ReadyForQuery](t, f); rfq.TxStatus != 'I' {
		t.Errorf("status %c", rfq.TxStatus)
	}
	var pgErr *pgconn.PgError
	if _, _, after, err := b.Forward(context.Background()); !errors.As(err, &pgErr) || pgErr.Code != "57014" || after != 'I' {
		t.Errorf("Forward: %c %v", after, err)
	}
	// The statement was never parsed: s1 does not exist.
	f.SendBind(&pgproto3.Bind{PreparedStatement: "s1"})
	f.SendExecute(&pgproto3.Execute{})
	f.SendSync(&pgproto3.Sync{})
	f.Flush()
	b = nextBatch(t, r)
	b.Forward(context.Background())
	if _, e := receiveUntil[*pgproto3.ErrorResponse](t, f); e.Code != "26000" {
		t.Errorf("s1 after the cancel: %s %s, want 26000", e.Code, e.Message)
	}
}

// sendCancel sends a CancelRequest to the relay.
func sendCancel(t *testing.T, r *wire.Relay, pid uint32, secret []byte) {
	t.Helper()
	c, err := net.Dial("tcp", r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg, err := (&pgproto3.CancelRequest{ProcessID: pid, SecretKey: secret}).Encode(nil)
	if err == nil {
		_, err = c.Write(msg)
	}
	if err != nil {
		t.Fatal(err)
	}
	c.Read(make([]byte, 1)) // the relay closes it once it has acted
}

// TestPipelinedStepsAreSequential: two Queries sent at once are two
// steps, and the second is held only once the first was forwarded and
// answered.
func TestPipelinedStepsAreSequential(t *testing.T) {
	r := startRelay(t, wire.Config{Hold: true})
	h := rawClient(t, r)
	f := h.Frontend
	f.SendQuery(&pgproto3.Query{String: "SELECT 1"})
	f.SendQuery(&pgproto3.Query{String: "SELECT 2"})
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
	first := nextBatch(t, r)
	noBatch(t, r, "before the first was forwarded")
	if first.SQL != "SELECT 1" {
		t.Fatalf("first %q", first.SQL)
	}
	if _, _, _, err := first.Forward(context.Background()); err != nil {
		t.Fatal(err)
	}
	second := nextBatch(t, r)
	if second.SQL != "SELECT 2" {
		t.Fatalf("second %q", second.SQL)
	}
	second.Forward(context.Background())
	receiveUntil[*pgproto3.ReadyForQuery](t, f)
	receiveUntil[*pgproto3.ReadyForQuery](t, f)
}
