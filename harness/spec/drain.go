package spec

import (
	"context"
	"io"
	"net"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/jackc/pgx/v5"
)

// A notice that a step sends before it blocks must be printed before the
// step's "<waiting ...>", as isolationtester, which reads all its session
// sent once the server says it waits, prints it. The server sent it before
// the engine could see the step blocked, but the session's goroutine may
// not have read it yet when the engine settles. watchedConn tells when it
// has: the goroutine waits for more bytes, and none are pending.

// watchedConn is a session's socket, read by the session's goroutine one
// system call at a time under a lock, so that whoever takes the lock sees
// at once whether the goroutine is waiting for bytes and whether any are
// pending.
type watchedConn struct {
	net.Conn
	raw syscall.RawConn

	mu      sync.Mutex
	waiting bool // the last read found nothing: the goroutine waits for bytes
}

// watchDial wraps cfg's dialer so that its connections are watched.
func watchDial(cfg *pgx.ConnConfig) {
	dial := cfg.DialFunc
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		sc, ok := c.(syscall.Conn)
		if !ok {
			return c, nil
		}
		raw, err := sc.SyscallConn()
		if err != nil {
			return c, nil
		}
		return &watchedConn{Conn: c, raw: raw}, nil
	}
}

// Read reads what is there, or waits (with the connection's deadline) for
// something to read.
func (c *watchedConn) Read(b []byte) (int, error) {
	var n int
	var rerr error
	err := c.raw.Read(func(fd uintptr) bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		n, rerr = syscall.Read(int(fd), b)
		if rerr == syscall.EAGAIN {
			c.waiting = true
			return false // wait until readable
		}
		c.waiting = false
		return true
	})
	switch {
	case err != nil:
		return 0, err // a deadline, or a closed connection
	case rerr != nil:
		return 0, rerr
	case n == 0 && len(b) > 0:
		return 0, io.EOF
	}
	return n, nil
}

// drained reports that the goroutine has read and handled everything the
// server sent: it waits for more, and nothing is pending.
func (c *watchedConn) drained() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.waiting {
		return false
	}
	var pending int32
	ok := true
	c.raw.Control(func(fd uintptr) {
		_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&pending)))
		ok = errno == 0
	})
	return ok && pending == 0
}

// awaitDrained waits until c is drained, for at most five seconds (a
// session that is not waiting for the server after all).
func (c *watchedConn) awaitDrained() {
	for deadline := time.Now().Add(5 * time.Second); !c.drained() && time.Now().Before(deadline); {
		time.Sleep(50 * time.Microsecond)
	}
}
