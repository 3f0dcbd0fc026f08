package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// conn is one client connection and its backend connection. Three
// goroutines serve it: fromClient reads the client's messages into packets
// and writes them to the server (pump does, for packets that wait);
// fromServer relays the server's messages to the client and sees each
// ReadyForQuery.
type conn struct {
	r      *Relay
	id     uint64
	raw    net.Conn // the client's socket
	client net.Conn // raw, or the TLS connection over it (set by startup)
	cr     *bufio.Reader
	server net.Conn // set once by startup, under mu
	sr     *bufio.Reader

	// Set by startup, read-only afterwards.
	pid            uint32
	secret         []byte
	user, database string

	queue    chan packet  // packets that wait for the pump
	queued   atomic.Int32 // packets queued and not yet written
	wmu      sync.Mutex   // writes to the server
	dead     chan struct{}
	once     sync.Once
	suppress atomic.Int32                  // ParseComplete and BindComplete to drop: a cancelled statement's stand-in's
	stmts    map[string]string             // prepared statements by name (fromClient's)
	closeEv  func(ConnEvent)               // OnConn, or nil
	logf     func(format string, a ...any) // the relay's

	mu       sync.Mutex
	appName  string
	sent     uint64        // Queries, Syncs and FunctionCalls written to the server
	answered uint64        // ReadyForQuery messages relayed
	status   byte          // the last ReadyForQuery's
	idle     chan struct{} // closed once answered reaches sent
	step     *Batch        // the step the next ReadyForQuery ends
	open     bool          // a step ended by a Flush went out: messages pass until a Sync
	held     *Batch        // a step waiting to be forwarded
}

// packet is a run of client messages that goes to the server at once:
// up to a Query, Sync, Flush, FunctionCall, Terminate or a COPY message.
type packet struct {
	msgs  []byte
	syncs int  // messages each answered by one ReadyForQuery
	end   byte // the message type that ended it
	step  bool // a Query, a FunctionCall, or an Execute up to Sync or Flush
	sql   string
	args  []any
}

var terminate = []byte{'X', 0, 0, 0, 4}

// errGone reports a connection that ended.
var errGone = errors.New("wire: the connection ended")

func newConn(r *Relay, id uint64, nc net.Conn) *conn {
	return &conn{r: r, id: id, raw: nc, client: nc, cr: bufio.NewReaderSize(nc, bufSize), queue: make(chan packet, 64),
		dead: make(chan struct{}), stmts: map[string]string{}, closeEv: r.cfg.OnConn, logf: r.logf}
}

func (c *conn) serve() {
	defer c.r.forget(c)
	defer c.shutdown()
	served, err := c.startup()
	if err != nil {
		if !isEOF(err) {
			c.logf("wire: connection %d: %v", c.id, err)
		}
		return
	}
	if !served {
		return // a cancel request
	}
	if c.closeEv != nil {
		c.closeEv(c.event(false))
	}
	var inner sync.WaitGroup
	inner.Go(c.pump)
	inner.Go(c.fromServer)
	c.fromClient()
	c.shutdown()
	inner.Wait()
	if c.closeEv != nil {
		c.closeEv(c.event(true))
	}
}

func (c *conn) event(closed bool) ConnEvent {
	c.mu.Lock()
	defer c.mu.Unlock()
	return ConnEvent{ConnID: c.id, Closed: closed, User: c.user, Database: c.database, ApplicationName: c.appName, BackendPID: c.pid}
}

// fromClient reads packets until the client goes. Not holding, with
// nothing waiting before it, a packet goes straight to the server.
func (c *conn) fromClient() {
	var buf []byte
	for {
		p, err := c.readPacket(&buf)
		if err != nil {
			if !isEOF(err) && !c.isDead() {
				c.logf("wire: connection %d: reading from the client: %v", c.id, err)
			}
			return
		}
		if c.queued.Load() == 0 && !(p.step && c.r.hold.Load()) {
			if err := c.write(p.msgs, p.syncs); err != nil {
				return
			}
			continue
		}
		p.msgs = bytes.Clone(p.msgs)
		c.queued.Add(1)
		select {
		case c.queue <- p:
		case <-c.dead:
			return
		}
	}
}

// readPacket reads messages into *buf up to the end of a packet.
func (c *conn) readPacket(buf *[]byte) (packet, error) {
	msgs := (*buf)[:0]
	var p packet
	execute, statements := false, false
	for p.end == 0 {
		var typ byte
		var err error
		msgs, typ, err = readFrame(c.cr, msgs)
		*buf = msgs
		if err != nil {
			return p, err
		}
		switch typ {
		case 'E':
			execute = true
		case 'P', 'C', 'B':
			statements = true
		case 'Q', 'F':
			p.syncs++
			p.step, p.end = true, typ
		case 'S':
			p.syncs++
			p.step, p.end = execute, typ
		case 'H':
			p.step, p.end = execute, typ
		case 'X', 'd', 'c', 'f':
			p.end = typ
		}
	}
	p.msgs = msgs
	if statements || (p.step && c.r.hold.Load()) {
		p.sql, p.args = c.track(msgs, p.step && c.r.hold.Load())
	}
	return p, nil
}

// pump writes the packets that wait, in order, and holds the steps.
func (c *conn) pump() {
	for {
		var p packet
		select {
		case p = <-c.queue:
		case <-c.dead:
			return
		}
		c.mu.Lock()
		open := c.open
		c.mu.Unlock()
		var err error
		if p.step && !open && c.r.hold.Load() {
			err = c.hold(p)
		} else {
			err = c.write(p.msgs, p.syncs)
		}
		c.queued.Add(-1)
		if err != nil {
			c.shutdown()
			return
		}
	}
}

// write sends msgs to the server; syncs of them will be answered by a
// ReadyForQuery each.
func (c *conn) write(msgs []byte, syncs int) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if syncs > 0 {
		c.mu.Lock()
		c.sent += uint64(syncs)
		c.open = false
		c.mu.Unlock()
	}
	_, err := c.server.Write(msgs)
	return err
}

// awaitIdle waits until the server has answered everything sent to it.
func (c *conn) awaitIdle() error {
	c.mu.Lock()
	if c.answered >= c.sent {
		c.mu.Unlock()
		return nil
	}
	idle := make(chan struct{})
	c.idle = idle
	c.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-c.dead:
		return errGone
	}
}

// fromServer relays the server's messages to the client, gathered into one
// write for as long as more is at hand, and ends steps at ReadyForQuery.
func (c *conn) fromServer() {
	out := make([]byte, 0, bufSize)
	var tag []byte
	var stepErr error
	for {
		start := len(out)
		var typ byte
		var err error
		out, typ, err = readFrame(c.sr, out)
		if err != nil {
			if !isEOF(err) && !c.isDead() {
				c.logf("wire: connection %d: reading from the server: %v", c.id, err)
			}
			c.shutdown()
			return
		}
		body := out[start+5:]
		switch typ {
		case 'C':
			tag = append(tag[:0], body[:max(len(body)-1, 0)]...)
		case 'E':
			if stepErr == nil {
				stepErr = pgError(body)
			}
		case 'S':
			c.parameter(body)
		case '1', '2':
			if c.suppress.Load() > 0 {
				c.suppress.Add(-1)
				out = out[:start]
			}
		}
		if typ == 'Z' || c.sr.Buffered() == 0 || len(out) >= flushAt {
			if _, err := c.client.Write(out); err != nil {
				c.shutdown()
				return
			}
			out = out[:0]
		}
		if typ == 'Z' && len(body) == 1 {
			c.ready(body[0], tag, stepErr)
			tag, stepErr = tag[:0], nil
		}
	}
}

// ready records a ReadyForQuery relayed to the client: it ends the step in
// flight, if any.
func (c *conn) ready(status byte, tag []byte, err error) {
	c.mu.Lock()
	c.answered++
	c.status = status
	b := c.step
	c.step = nil
	if c.idle != nil && c.answered >= c.sent {
		close(c.idle)
		c.idle = nil
	}
	c.mu.Unlock()
	if b != nil {
		b.finish(result{tag: string(tag), before: b.before, after: status, err: err})
	}
}

// parameter follows the application_name the server reports.
func (c *conn) parameter(body []byte) {
	name, value, ok := bytes.Cut(body, []byte{0})
	if !ok || string(name) != "application_name" {
		return
	}
	c.mu.Lock()
	c.appName = cstring(value)
	c.mu.Unlock()
}

func (c *conn) isDead() bool {
	select {
	case <-c.dead:
		return true
	default:
		return false
	}
}

// shutdown ends the connection: the backend gets a Terminate (its
// transaction rolls back), both sockets close, and a step in flight ends
// with ErrClosed.
func (c *conn) shutdown() {
	c.once.Do(func() {
		close(c.dead)
		c.raw.Close()
		c.mu.Lock()
		srv := c.server
		c.mu.Unlock()
		if srv != nil {
			srv.SetWriteDeadline(time.Now().Add(time.Second)) // a write stuck on a full socket ends
			c.wmu.Lock()
			srv.SetWriteDeadline(time.Now().Add(time.Second))
			srv.Write(terminate)
			c.wmu.Unlock()
			srv.Close()
		}
		c.mu.Lock()
		b := c.step
		c.step = nil
		c.mu.Unlock()
		if b != nil {
			b.finish(result{before: b.before, after: b.before, err: ErrClosed})
		}
	})
}

func isEOF(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed)
}
