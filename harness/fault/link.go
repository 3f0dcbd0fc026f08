package fault

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrReplyLost is what a client reads from a Link once its reply was lost.
var ErrReplyLost = errors.New("fault lose-reply: the server's reply was lost and the connection closed")

// arming says which reply a Link loses.
type arming int

const (
	disarmed    arming = iota
	nextReply          // the reply to the next request
	commitReply        // the reply to the next request that ends a transaction
)

// Link is a session's network connection, wrapped so that a reply can be
// lost. Unarmed, it passes bytes through untouched. Armed, it reads the
// server's whole reply to each request the client writes (every message up
// to ReadyForQuery) before the client sees any of it, and either passes it
// on or — the reply it was armed to lose — drops it and closes the
// connection: the server acted on the request (a COMMIT committed), the
// client sees a broken connection and cannot tell.
//
// A Link reads PostgreSQL's messages on the wire, so it cannot lose a reply
// through TLS (see LoseReply.Applies).
type Link struct {
	net.Conn

	rmu sync.Mutex // one Read at a time, held while it blocks

	mu      sync.Mutex
	arm     arming
	pending bool   // a request was written while armed: its reply is judged before the client sees it
	reply   []byte // a judged reply the client has not read yet
	readErr error  // the error that cut that reply short, returned once it is read
	isLost  bool
	sent    int64 // bytes the client wrote

	lost      chan struct{} // closed once a reply was lost
	closed    chan struct{} // closed once the link is closed
	closeOnce sync.Once
}

func newLink(c net.Conn) *Link {
	return &Link{Conn: c, lost: make(chan struct{}), closed: make(chan struct{})}
}

// Dial makes every connection pgx opens from cfg a Link, handed to onLink
// (which may be nil) as it is made. It wraps whatever dialer cfg had, the
// Unix socket of the embedded cluster included. pgx also dials a short
// connection of its own to send a cancel request, so onLink sees those too:
// to find a session's Link, use LinkOf on its connection.
func Dial(cfg *pgx.ConnConfig, onLink func(*Link)) {
	dial := cfg.DialFunc
	if dial == nil {
		dial = (&net.Dialer{KeepAlive: 5 * time.Minute}).DialContext
	}
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		l := newLink(c)
		if onLink != nil {
			onLink(l)
		}
		return l, nil
	}
}

// LinkOf is the Link under conn, or nil when conn was not made through Dial
// (or runs over TLS, which wraps the Link).
func LinkOf(conn *pgx.Conn) *Link {
	l, _ := conn.PgConn().Conn().(*Link)
	return l
}

// LoseNextReply arms the link: the next request the client writes reaches
// the server; the server's reply is read (proof the server acted: a COMMIT
// committed) and dropped, and the connection is closed, so the client sees a
// broken connection (pgx: not safe to retry).
func (l *Link) LoseNextReply() { l.setArm(nextReply) }

// LoseNextCommitReply arms the link like LoseNextReply, for the reply to the
// next request that ends a transaction — one that completes a command and
// leaves the session idle: a COMMIT, or a statement run outside a
// transaction. Replies to other requests pass through until then. This is
// the indeterminate commit whatever the statement the link is armed before.
func (l *Link) LoseNextCommitReply() { l.setArm(commitReply) }

func (l *Link) setArm(a arming) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.isLost {
		l.arm = a
	}
}

// Disarm takes the arming back; it reports false when a reply was already
// lost.
func (l *Link) Disarm() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.arm = disarmed
	return !l.isLost
}

// AwaitLoss waits until the armed link has lost a reply. If the link closes
// first, or ctx ends first, it disarms the link and returns ErrMissed.
func (l *Link) AwaitLoss(ctx context.Context) error {
	select {
	case <-l.lost:
		return nil
	case <-l.closed:
	case <-ctx.Done():
	}
	if !l.Disarm() {
		return nil // lost meanwhile
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%w: lose-reply: %w before a reply was lost", ErrMissed, ctx.Err())
	}
	return fmt.Errorf("%w: lose-reply: the connection closed before a reply was lost", ErrMissed)
}

// Lost is closed once a reply was lost.
func (l *Link) Lost() <-chan struct{} { return l.lost }

// Closed is closed once the link is closed, by the client or by a lost reply.
func (l *Link) Closed() <-chan struct{} { return l.closed }

// Write sends the client's bytes to the server; armed, it marks a request
// whose reply will be judged.
func (l *Link) Write(p []byte) (int, error) {
	l.mu.Lock()
	if l.isLost {
		l.mu.Unlock()
		return 0, ErrReplyLost
	}
	if l.arm != disarmed {
		l.pending = true
	}
	l.mu.Unlock()
	n, err := l.Conn.Write(p)
	l.mu.Lock()
	l.sent += int64(n)
	l.mu.Unlock()
	return n, err
}

// Sent is how many bytes the client has written through the link. A call
// during which it grew reached the server, or may have, whatever the error
// says: pgx reports a connection that broke while it awaited the reply to a
// statement sent with the simple protocol (a COMMIT, a BEGIN, an Exec
// without arguments) as "conn closed", an error it marks safe to retry.
func (l *Link) Sent() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sent
}

// Read gives the client the server's bytes: passed through, or, for a
// request written while armed, the whole reply once judged.
func (l *Link) Read(p []byte) (int, error) {
	l.rmu.Lock()
	defer l.rmu.Unlock()
	l.mu.Lock()
	if l.isLost || len(l.reply) > 0 || l.readErr != nil {
		defer l.mu.Unlock()
		return l.serve(p)
	}
	if !l.pending {
		l.mu.Unlock()
		return l.Conn.Read(p)
	}
	l.mu.Unlock()
	reply, err := readReply(l.Conn)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending = false
	if err == nil && l.loses(reply) {
		l.arm, l.isLost = disarmed, true
		close(l.lost)
		l.shut()
		return 0, ErrReplyLost
	}
	l.reply, l.readErr = reply, err
	return l.serve(p)
}

// serve hands the client the judged reply, then its error. l.mu is held.
func (l *Link) serve(p []byte) (int, error) {
	switch {
	case l.isLost:
		return 0, ErrReplyLost
	case len(l.reply) > 0:
		n := copy(p, l.reply)
		l.reply = l.reply[n:]
		return n, nil
	}
	err := l.readErr
	l.readErr = nil
	return 0, err
}

// loses reports whether the link drops reply. l.mu is held.
func (l *Link) loses(reply []byte) bool {
	switch l.arm {
	case nextReply:
		return true
	case commitReply:
		completed, status := false, byte(0)
		for typ, body := range messages(reply) {
			switch typ {
			case 'C':
				completed = true
			case 'Z':
				if len(body) == 1 {
					status = body[0]
				}
			}
		}
		return completed && status == 'I'
	}
	return false
}

// Close closes the connection.
func (l *Link) Close() error {
	return l.shut()
}

func (l *Link) shut() error {
	err := net.ErrClosed
	l.closeOnce.Do(func() {
		err = l.Conn.Close()
		close(l.closed)
	})
	return err
}

// maxMessage bounds a message's length: anything longer means the link
// lost step with the stream.
const maxMessage = 1 << 30

// readReply reads whole messages from the server up to and including
// ReadyForQuery ('Z'), which ends the reply to every request pgx sends. On
// an error it returns the messages read before it.
func readReply(r io.Reader) ([]byte, error) {
	var buf []byte
	for {
		var header [5]byte
		if _, err := io.ReadFull(r, header[:]); err != nil {
			return buf, err
		}
		n := binary.BigEndian.Uint32(header[1:])
		if n < 4 || n > maxMessage {
			return buf, fmt.Errorf("fault: a server message %q of length %d: the link lost step with the stream", header[0], n)
		}
		start := len(buf)
		buf = append(buf, header[:]...)
		buf = append(buf, make([]byte, n-4)...)
		if _, err := io.ReadFull(r, buf[start+5:]); err != nil {
			return buf[:start], err
		}
		if header[0] == 'Z' {
			return buf, nil
		}
	}
}

// messages iterates over the type and body of each whole message in b.
func messages(b []byte) func(yield func(byte, []byte) bool) {
	return func(yield func(byte, []byte) bool) {
		for len(b) >= 5 {
			n := int(binary.BigEndian.Uint32(b[1:5]))
			if n < 4 || 1+n > len(b) {
				return
			}
			if !yield(b[0], b[5:1+n]) {
				return
			}
			b = b[1+n:]
		}
	}
}
