package wire

import (
	"context"
	"errors"
	"sync"
)

// Batch is a step a client sent while the relay held: one Query (or
// FunctionCall), or the messages up to a Sync or Flush that contain an
// Execute. It waits until it is forwarded; by then every earlier message
// of its connection has been answered.
//
// A Batch is attributed by whoever reads Batches: while a scheduler lets
// one participant run at a time, a batch that arrives can only be that
// participant's.
type Batch struct {
	ConnID          uint64
	ApplicationName string // as the connection's last ParameterStatus (or its startup) set it
	BackendPID      uint32 // the backend that runs it
	// SQL is the statement text: the Query's, or that of each statement
	// an Execute runs ("; " between them).
	SQL string
	// Args are the Bind's parameters: a string for each in text format,
	// "\x…" hex for binary ones, nil for NULL.
	Args []any

	c         *conn
	before    byte       // the transaction status before it
	state     batchState // under c.mu
	fwd       chan struct{}
	fwdOnce   sync.Once
	cancelled chan struct{}
	closed    chan struct{}
	done      chan struct{}
	doneOnce  sync.Once
	res       result
}

type batchState int

const (
	held batchState = iota
	forwarding
	cancelled
	closed
)

type result struct {
	tag           string
	before, after byte
	err           error
}

// ErrClosed is a step's error when its client disconnected (or the relay
// closed) before its answer: the backend connection is gone, its
// transaction rolled back.
var ErrClosed = errors.New("wire: the client connection closed")

// Forward sends the batch to the server and returns once every reply,
// up to and including ReadyForQuery, has reached the client (COPY passed
// through): the last command tag, the transaction status before and after
// ('I', 'T' or 'E') and the first error (a *pgconn.PgError from the
// server). A batch whose client cancelled it is not sent: Forward returns
// the cancel's answer, 57014. One whose client disconnected returns
// ErrClosed at once. ctx bounds only the wait.
func (b *Batch) Forward(ctx context.Context) (tag string, txBefore, txAfter byte, err error) {
	b.c.mu.Lock()
	if b.state == held {
		b.state = forwarding
	}
	b.c.mu.Unlock()
	b.fwdOnce.Do(func() { close(b.fwd) })
	select {
	case <-b.done:
		return b.res.tag, b.res.before, b.res.after, b.res.err
	case <-ctx.Done():
		return "", b.before, b.before, ctx.Err()
	}
}

// Cancelled is closed when the client cancelled the batch while it was
// held (a CancelRequest with its connection's key). The relay has then
// answered the client with the error a cancel gives (57014, its
// transaction failed); Forward reports that answer.
func (b *Batch) Cancelled() <-chan struct{} { return b.cancelled }

// Closed is closed when the client disconnected while the batch was held:
// its backend connection is closed, and Forward returns ErrClosed. (A
// driver that sends a cancel request before it closes — pgx does, on an
// error — ends the batch Cancelled instead.)
func (b *Batch) Closed() <-chan struct{} { return b.closed }

// TxBefore is the connection's transaction status when the batch was
// held: 'I' idle, 'T' in a transaction, 'E' in a failed one.
func (b *Batch) TxBefore() byte { return b.before }

func (b *Batch) finish(r result) {
	b.doneOnce.Do(func() {
		b.res = r
		close(b.done)
	})
}

// hold publishes p as a Batch and waits until it is forwarded, cancelled
// (the connection then goes on: its client has its answer) or its client
// is gone.
func (c *conn) hold(p packet) error {
	if err := c.awaitIdle(); err != nil {
		return err
	}
	c.mu.Lock()
	b := &Batch{ConnID: c.id, ApplicationName: c.appName, BackendPID: c.pid, SQL: p.sql, Args: p.args,
		c: c, before: c.status, fwd: make(chan struct{}), cancelled: make(chan struct{}),
		closed: make(chan struct{}), done: make(chan struct{})}
	c.held = b
	c.mu.Unlock()
	select {
	case c.r.batches <- b:
	case <-c.dead:
		c.closeHeld(b)
		return errGone
	}
	select {
	case <-b.fwd:
	case <-b.cancelled:
	case <-c.dead:
		c.closeHeld(b)
		return errGone
	}
	// Forwarding or cancelled, for good (set before either channel closed).
	c.mu.Lock()
	state := b.state
	c.held = nil
	c.step = b // its end is the next ReadyForQuery's
	c.open = p.end == 'H'
	c.mu.Unlock()
	if state == cancelled {
		return c.answerCancel(p)
	}
	return c.write(p.msgs, p.syncs)
}

// closeHeld ends a held batch whose connection is gone.
func (c *conn) closeHeld(b *Batch) {
	c.mu.Lock()
	b.state = closed
	c.held = nil
	c.mu.Unlock()
	close(b.closed)
	b.finish(result{before: b.before, after: b.before, err: ErrClosed})
}

// cancelHeld cancels the connection's held batch, if it has one.
func (c *conn) cancelHeld() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.held
	if b == nil || b.state != held {
		return false
	}
	b.state = cancelled
	close(b.cancelled)
	return true
}
