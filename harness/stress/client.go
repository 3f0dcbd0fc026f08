package stress

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"jbcheck.dev/jbcheck/harness/fault"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/record"
	"jbcheck.dev/jbcheck/harness/workload"
	"jbcheck.dev/jbcheck/model"
)

// clientRun is one client's loop.
type clientRun struct {
	cfg      Config
	id       int
	rec      *record.Recorder
	connect  func(context.Context) (*pgx.Conn, error)
	worlds   []int64
	specs    map[int64]model.World
	rng      *rand.Rand
	sessions *sessions // where the nemesis finds this client's session
	retried  *atomic.Int64
	gate     *gate // held for each call, so that barriers fall between calls
	bursts   *bursts

	conn  *pgx.Conn
	link  *fault.Link // under conn
	sess  *session    // conn as the nemesis sees it
	calls int
}

func (c *clientRun) loop(ctx context.Context, deadline time.Time, claimed, done *atomic.Int64) error {
	defer c.bursts.quit()
	if err := c.reconnect(ctx); err != nil {
		return contextOr(ctx, err)
	}
	defer func() {
		c.sessions.set(c.id, nil)
		if c.conn != nil {
			c.conn.Close(context.Background())
		}
	}()
	var burst int64 // the last burst this client met
	for ctx.Err() == nil {
		if c.cfg.Ops > 0 && claimed.Add(1) > int64(c.cfg.Ops) || !deadline.IsZero() && time.Now().After(deadline) {
			return nil
		}
		world := c.worlds[c.rng.IntN(len(c.worlds))]
		in := workload.RandomInput(c.rng, c.specs[world], c.cfg.Mix)
		in.World = world
		if call, ok := c.bursts.await(c.id, &burst); ok {
			in = call
		}
		c.gate.enter()
		err := c.step(ctx, in, done)
		c.gate.leave()
		if err != nil {
			return err
		}
	}
	return nil
}

// step makes one call and, when it left the connection closed, opens a new
// one: both before the gate opens, so that a barrier knows of the backend
// given up.
func (c *clientRun) step(ctx context.Context, in model.Input, done *atomic.Int64) error {
	if err := c.call(ctx, in); err != nil {
		return err
	}
	done.Add(1)
	if c.conn == nil || c.conn.IsClosed() {
		// pgx closes a connection whose query was cancelled or cut
		// off (and a retry whose reconnection the run's end cut short
		// left none): start a new session and go on.
		if err := c.reconnect(ctx); err != nil {
			return contextOr(ctx, err)
		}
	}
	return nil
}

// call runs one call and records it. With faults, the call is named — an
// operation id unique in the run, such as "c3-17" — and when its connection
// was lost with the request sent, the client reconnects and sends the call
// again, once, under the same id: an idempotent variant answers the retry
// from the call's record instead of running it twice. The call has one
// invoke and one completion, the retry's (info if the retry fails too). It
// returns an error only when the history could not be written, or the
// server did not come back.
func (c *clientRun) call(ctx context.Context, in model.Input) error {
	c.calls++
	faulty := len(c.cfg.Faults) > 0
	if faulty {
		ctx = protocol.WithOperationID(ctx, fmt.Sprintf("c%d-%d", c.id, c.calls))
	}
	if err := c.rec.Invoke(c.id, in); err != nil {
		return err
	}
	if c.sess != nil {
		c.sess.armIfAsked() // a lost reply the nemesis asked for: this call's commit
	}
	out, err := c.attempt(ctx, in)
	if err == nil || !faulty || !c.conn.IsClosed() || pgconn.SafeToRetry(err) || ctx.Err() != nil {
		_, werr := c.rec.Complete(c.id, in, out, err)
		return werr
	}
	if rerr := c.reconnect(ctx); rerr != nil {
		_, werr := c.rec.Complete(c.id, in, out, err)
		if werr != nil {
			return werr
		}
		return contextOr(ctx, rerr)
	}
	c.retried.Add(1)
	out, rerr := c.attempt(ctx, in)
	if rerr != nil {
		// Whatever the retry's error, the first attempt may have happened:
		// the call is info (%v keeps the error's text, not its class).
		rerr = fmt.Errorf("sent again after its connection was lost: %v (first attempt: %v)", rerr, err)
	}
	_, werr := c.rec.CompleteRetried(c.id, in, out, rerr)
	return werr
}

// attempt sends the call once, within the per-call deadline.
func (c *clientRun) attempt(ctx context.Context, in model.Input) (model.Output, error) {
	sent := c.link.Sent()
	opCtx, cancel := context.WithTimeout(ctx, c.cfg.OpTimeout)
	defer cancel()
	out, err := protocol.Apply(opCtx, c.cfg.Variant, c.conn, in)
	if err != nil && c.link.Sent() > sent && pgconn.SafeToRetry(err) {
		// pgx's "safe to retry" speaks of the last statement only. A call
		// that sent anything may have happened all the same: pgx says
		// "conn closed" when a connection breaks while it awaits the
		// reply to a simple-protocol statement (a COMMIT); and a call's
		// later statement that never went out (its context cancelled, its
		// connection closed) may follow an earlier one that committed —
		// async-watermark's wait for the worker after its transaction, a
		// transaction split into autocommit statements.
		err = sentError{err}
	}
	return out, err
}

// sentError is an error pgx calls safe to retry for a call that sent
// something to the server: it is not.
type sentError struct{ err error }

func (e sentError) Error() string     { return e.err.Error() }
func (e sentError) Unwrap() error     { return e.err }
func (e sentError) SafeToRetry() bool { return false }

// reconnect replaces the client's connection (after a fault, with bounded,
// jittered backoff until the server is back) and tells the nemesis where
// the new session is.
func (c *clientRun) reconnect(ctx context.Context) error {
	c.sessions.set(c.id, nil)
	if c.conn != nil {
		c.gate.doubt(c.conn.PgConn().PID())
		c.conn.Close(context.Background())
		c.conn, c.link, c.sess = nil, nil, nil
	}
	conn, err := redial(ctx, c.connect, c.cfg)
	if err != nil {
		return err
	}
	c.conn, c.link = conn, fault.LinkOf(conn)
	c.sess = &session{pid: conn.PgConn().PID(), link: c.link}
	c.sessions.set(c.id, c.sess)
	return nil
}
