package wire

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
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

// Message codes of the startup phase.
const (
	cancelRequestCode = 80877102
	sslRequestCode    = 80877103
	gssEncRequestCode = 80877104
)

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

// startup negotiates with the client (no SSL, no GSS encryption), connects
// the backend and passes authentication through. It returns false for a
// cancel request, which it has handled.
func (c *conn) startup() (bool, error) {
	for {
		body, err := readStartup(c.cr)
		if err != nil {
			return false, err
		}
		switch code := binary.BigEndian.Uint32(body); code {
		case sslRequestCode, gssEncRequestCode:
			if code == sslRequestCode && c.r.cfg.TLS != nil && c.client == c.raw {
				if err := c.startTLS(); err != nil {
					return false, err
				}
				continue
			}
			if _, err := c.client.Write([]byte{'N'}); err != nil {
				return false, err
			}
		case cancelRequestCode:
			var req pgproto3.CancelRequest
			if err := req.Decode(body); err != nil {
				return false, err
			}
			c.r.cancel(&req)
			return false, nil
		default:
			var sm pgproto3.StartupMessage
			if err := sm.Decode(body); err != nil {
				return false, err
			}
			if err := c.connect(&sm); err != nil {
				return false, err
			}
			return true, c.authenticate()
		}
	}
}

// startTLS accepts an SSLRequest: the rest of the connection is TLS.
func (c *conn) startTLS() error {
	if c.cr.Buffered() > 0 {
		return errors.New("the client sent data after its SSLRequest, before the answer")
	}
	if _, err := c.raw.Write([]byte{'S'}); err != nil {
		return err
	}
	tc := tls.Server(c.raw, c.r.cfg.TLS)
	ctx, stop := context.WithTimeout(context.Background(), time.Minute)
	defer stop()
	if err := tc.HandshakeContext(ctx); err != nil {
		return fmt.Errorf("TLS handshake: %w", err)
	}
	c.client, c.cr = tc, bufio.NewReaderSize(tc, bufSize)
	return nil
}

// connect opens the backend connection and sends it the client's startup
// message, with the relay's parameters.
func (c *conn) connect(sm *pgproto3.StartupMessage) error {
	c.user = sm.Parameters["user"]
	c.database = sm.Parameters["database"]
	if c.database == "" {
		c.database = c.user
	}
	c.appName = sm.Parameters["application_name"]
	maps.Copy(sm.Parameters, c.r.cfg.Params)
	ctx, stop := context.WithTimeout(context.Background(), time.Minute)
	defer stop()
	go func() {
		select {
		case <-c.dead:
			stop()
		case <-ctx.Done():
		}
	}()
	srv, err := c.r.cfg.Backend(ctx)
	if err != nil {
		c.fatal("could not connect to the server through the relay")
		return err
	}
	c.mu.Lock()
	c.server = srv
	c.mu.Unlock()
	if c.isDead() {
		srv.Close() // closed by Relay.Close meanwhile
		return errGone
	}
	c.sr = bufio.NewReaderSize(srv, bufSize)
	msg, err := sm.Encode(nil)
	if err == nil {
		_, err = srv.Write(msg)
	}
	return err
}

// fatal tells the client why its connection ends.
func (c *conn) fatal(message string) {
	msg, _ := (&pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: "08006", Message: message}).Encode(nil)
	c.client.Write(msg)
}

// authenticate relays the server's side of authentication and the
// client's answers, as bytes (a password is never decoded), up to the
// first ReadyForQuery. It keeps the backend's key data, for cancel
// requests and for blocked detection.
func (c *conn) authenticate() error {
	var out, in []byte
	flush := func() error {
		_, err := c.client.Write(out)
		out = out[:0]
		return err
	}
	for {
		start := len(out)
		var typ byte
		var err error
		if out, typ, err = readFrame(c.sr, out); err != nil {
			return err
		}
		body := out[start+5:]
		switch typ {
		case 'R':
			if len(body) < 4 {
				return errors.New("a short authentication message from the server")
			}
			switch binary.BigEndian.Uint32(body) {
			case pgproto3.AuthTypeCleartextPassword, pgproto3.AuthTypeMD5Password, pgproto3.AuthTypeGSS,
				pgproto3.AuthTypeGSSCont, pgproto3.AuthTypeSSPI, pgproto3.AuthTypeSASL, pgproto3.AuthTypeSASLContinue:
				if err := flush(); err != nil {
					return err
				}
				if in, _, err = readFrame(c.cr, in[:0]); err != nil {
					return err
				}
				if _, err := c.server.Write(in); err != nil {
					return err
				}
			}
		case 'K':
			if len(body) < 8 {
				return errors.New("a short BackendKeyData from the server")
			}
			c.pid = binary.BigEndian.Uint32(body)
			c.secret = bytes.Clone(body[4:])
		case 'S':
			c.parameter(body)
		case 'E':
			flush()
			return errors.New("the server refused the connection")
		case 'Z':
			if len(body) == 1 {
				c.status = body[0]
			}
			return flush()
		}
		if c.sr.Buffered() == 0 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
}

func isEOF(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed)
}
