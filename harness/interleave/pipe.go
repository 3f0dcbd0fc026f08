package interleave

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"regexp"
	"sync"
	"syscall"

	"github.com/jackc/pgx/v5"
)

// A session's round trips are most of a schedule's time, and two kinds of
// them carry nothing the schedule can observe: the reset that cleans a
// session between schedules, and a bare BEGIN, which takes no snapshot
// and no lock (PostgreSQL takes the snapshot of a transaction at its first
// statement). Both are sent ahead of the session's next statement, in the
// same write, so that one round trip does what took two: a pipe, between
// pgx and the session's network connection, holds them and swallows their
// replies. A BEGIN stays a step of its own — granted, transcribed and
// reported like any other — but its reply is the one the server gives
// every BEGIN outside a transaction (CommandComplete "BEGIN",
// ReadyForQuery 'T'), given at once; the server runs it just before the
// session's next statement, as if the session had waited that long to
// send it. Nothing can tell the two apart but the transaction's start time
// (now()).

// bareBegin matches the BEGINs the pipe may answer itself: the forms pgx
// writes (pgx.TxOptions), each of which the server accepts outside a
// transaction whatever the session's state.
var bareBegin = regexp.MustCompile(`^(?i)(begin|start transaction)( isolation level (serializable|repeatable read|read committed|read uncommitted))?( read (only|write))?( (not )?deferrable)?$`)

// noParameters reports arguments that are only pgx's options, no
// parameter: a statement pgx sends as a simple query.
func noParameters(args []any) bool {
	for _, a := range args {
		if _, isMode := a.(pgx.QueryExecMode); !isMode {
			return false
		}
	}
	return true
}

// beginReply is what the server answers a BEGIN outside a transaction.
var beginReply = []byte{'C', 0, 0, 0, 10, 'B', 'E', 'G', 'I', 'N', 0, 'Z', 0, 0, 0, 5, 'T'}

// errPipeReset reports a reset sent ahead of a statement that failed: the
// session may not be clean, and the schedule is not trusted.
var errPipeReset = errors.New("the session's reset failed")

// pipe is a session's network connection, able to hold messages and send
// them ahead of the next write, swallowing their replies.
type pipe struct {
	net.Conn
	mu     sync.Mutex
	held   []byte // messages to send ahead of the next write
	ready  []byte // bytes to read before the connection's: a BEGIN's answer, or what came after swallowed replies
	hold   bool   // hold the next write (a BEGIN) and answer it
	skip   int    // replies of held messages still to swallow (each ends with ReadyForQuery)
	in     []byte // bytes read while swallowing, not yet a whole message
	failed bool   // a swallowed reply was an error
	// reading: a Read waits on the connection (pgx may leave a reader
	// of its own waiting there, on an idle connection): a BEGIN is then
	// not answered by the pipe, since that reader would not see it.
	reading bool
}

// pipeDial wraps cfg's dialer so that the connection's pipe is set in *p.
// A connection with TLS gets none: its bytes are not messages.
func pipeDial(cfg *pgx.ConnConfig, p **pipe) {
	if cfg.TLSConfig != nil {
		return
	}
	for _, f := range cfg.Fallbacks {
		if f.TLSConfig != nil {
			return
		}
	}
	dial := cfg.DialFunc
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		*p = &pipe{Conn: c}
		return *p, nil
	}
}

// ahead queues a simple query to go out ahead of the next write; its reply
// is swallowed.
func (p *pipe) ahead(sql string) {
	msg := make([]byte, 5, 6+len(sql))
	msg[0] = 'Q'
	binary.BigEndian.PutUint32(msg[1:], uint32(4+len(sql)+1))
	msg = append(append(msg, sql...), 0)
	p.mu.Lock()
	p.held = append(p.held, msg...)
	p.skip++
	p.mu.Unlock()
}

// holdBegin makes the next write, a BEGIN, wait for the write after it,
// and answers it at once.
func (p *pipe) holdBegin() {
	p.mu.Lock()
	p.hold = true
	p.mu.Unlock()
}

// Write implements net.Conn.
func (p *pipe) Write(b []byte) (int, error) {
	p.mu.Lock()
	if p.hold {
		p.hold = false
		if isOneQuery(b) && !p.reading {
			p.held = append(p.held, b...)
			p.skip++
			p.ready = append(p.ready, beginReply...)
			p.mu.Unlock()
			return len(b), nil
		}
	}
	held := p.held
	p.held = nil
	p.mu.Unlock()
	if len(held) == 0 {
		return p.Conn.Write(b)
	}
	if _, err := p.Conn.Write(append(held, b...)); err != nil {
		return 0, err
	}
	return len(b), nil
}

// isOneQuery reports a buffer that is exactly one simple-query message.
func isOneQuery(b []byte) bool {
	return len(b) > 5 && b[0] == 'Q' && int(binary.BigEndian.Uint32(b[1:])) == len(b)-1
}

// Read implements net.Conn: the answer to a held BEGIN first, then what
// the server sends, less the replies of held messages. Whether a reply is
// swallowed is decided once the bytes are read, not before: a read that
// began before a held message was sent may return its reply.
func (p *pipe) Read(b []byte) (int, error) {
	for {
		p.mu.Lock()
		if p.failed {
			p.mu.Unlock()
			return 0, errPipeReset
		}
		if len(p.ready) > 0 {
			n := copy(b, p.ready)
			p.ready = p.ready[n:]
			p.mu.Unlock()
			return n, nil
		}
		p.reading = true
		p.mu.Unlock()
		n, err := p.Conn.Read(b)
		p.mu.Lock()
		p.reading = false
		plain := p.skip == 0 && len(p.in) == 0
		p.mu.Unlock()
		if plain {
			return n, err
		}
		p.swallow(b[:n])
		if err != nil {
			return 0, err
		}
	}
}

// swallow drops, from what was read, the messages of the replies still to
// swallow — but for ParameterStatus and NotificationResponse, which pgx
// tracks whenever they come — and keeps the rest ready to be read.
func (p *pipe) swallow(read []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.in = append(p.in, read...)
	for p.skip > 0 && len(p.in) >= 5 {
		size := 1 + int(binary.BigEndian.Uint32(p.in[1:]))
		if len(p.in) < size {
			return // the rest when more comes
		}
		switch p.in[0] {
		case 'Z':
			p.skip--
		case 'E':
			p.failed = true
		case 'S', 'A':
			p.ready = append(p.ready, p.in[:size]...)
		}
		p.in = p.in[size:]
	}
	if p.skip == 0 {
		p.ready = append(p.ready, p.in...)
		p.in = nil
	}
}

// broken reports a swallowed error: a held message failed.
func (p *pipe) broken() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.failed
}

// alive reports, without a round trip, that the server has not closed the
// connection nor sent anything on it unasked (a backend that a crash or a
// restart ended sends its last words, then closes): a reset sent ahead
// would otherwise only fail with the schedule's first statement.
func (p *pipe) alive() bool {
	sc, ok := p.Conn.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	idle := false
	var buf [1]byte
	// Control, not Read: a reader pgx left waiting on the connection
	// holds its read lock.
	err = rc.Control(func(fd uintptr) {
		_, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		idle = errors.Is(err, syscall.EAGAIN)
	})
	return err == nil && idle
}
