package wire

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// Config sets up a Relay.
type Config struct {
	// Listen is where clients connect: "host:port" on TCP (default
	// "127.0.0.1:0", a free loopback port), or an absolute directory, in
	// which the relay listens on the Unix socket .s.PGSQL.5432 as a
	// PostgreSQL server would (libpq's host=DIR port=5432).
	Listen string
	// Backend connects to the real server, once per client connection and
	// once per cancel request forwarded to it. BackendDialer makes one
	// from a pgconn configuration.
	Backend func(ctx context.Context) (net.Conn, error)
	// TLS, when set, terminates TLS: an SSLRequest is answered S and the
	// client's connection is encrypted with it (sslmode=require and
	// stricter work). Without it the relay answers N and the client goes
	// on in plain text. The backend side never uses TLS.
	TLS *tls.Config
	// Hold starts the relay holding steps (see Relay.Hold).
	Hold bool
	// Params are run-time parameters added to every connection's startup,
	// over the client's own: the engine's session settings
	// (interleave.Engine.SessionParams), say.
	Params map[string]string
	// OnConn, when set, is told of each client connection once its startup
	// is over (before any of its batches is held) and once it has closed
	// (after its held batch, if any, is Closed). It runs on the
	// connection's goroutine: it must not wait for the relay.
	OnConn func(ConnEvent)
	// Logf, when set, reports connections that failed. It never sees a
	// message's contents (a password, a statement's arguments).
	Logf func(format string, args ...any)
}

// ConnEvent is a client connection opened or closed.
type ConnEvent struct {
	ConnID          uint64
	Closed          bool // false: opened
	User, Database  string
	ApplicationName string // as the client's startup set it
	BackendPID      uint32
}

// Relay is a PostgreSQL wire-protocol relay: each client connection gets
// a backend connection of its own, and while the relay holds, each step a
// client sends waits as a Batch until the program forwards it.
type Relay struct {
	cfg     Config
	ln      net.Listener
	addr    string
	unixDir string
	hold    atomic.Bool
	batches chan *Batch
	done    chan struct{} // closed by Close
	wg      sync.WaitGroup

	mu     sync.Mutex
	conns  map[uint64]*conn
	nextID uint64
	closed bool
}

// socketFile is the Unix socket name of a relay listening in a directory.
const socketFile = ".s.PGSQL.5432"

// Start listens and serves until Close.
func Start(ctx context.Context, cfg Config) (*Relay, error) {
	if cfg.Backend == nil {
		return nil, errors.New("wire: Config.Backend is required: the relay must know how to reach the server")
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	r := &Relay{cfg: cfg, batches: make(chan *Batch, 64), done: make(chan struct{}), conns: map[uint64]*conn{}}
	r.hold.Store(cfg.Hold)
	var lc net.ListenConfig
	var err error
	if filepath.IsAbs(cfg.Listen) {
		r.unixDir = cfg.Listen
		path := filepath.Join(cfg.Listen, socketFile)
		os.Remove(path) // a socket left by a relay that died
		r.ln, err = lc.Listen(ctx, "unix", path)
	} else {
		r.ln, err = lc.Listen(ctx, "tcp", cfg.Listen)
	}
	if err != nil {
		return nil, fmt.Errorf("wire: listening on %s: %w", cfg.Listen, err)
	}
	r.addr = r.ln.Addr().String()
	r.wg.Go(r.accept)
	return r, nil
}

// BackendDialer connects the way pgconn would to the server cfg names (its
// first host: a Unix socket directory or a TCP address), for
// Config.Backend.
func BackendDialer(cfg *pgconn.Config) func(ctx context.Context) (net.Conn, error) {
	network, address := pgconn.NetworkAddress(cfg.Host, cfg.Port)
	return func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, address)
	}
}

// Addr is the address the relay listens on: "127.0.0.1:PORT", or the Unix
// socket's path.
func (r *Relay) Addr() string { return r.addr }

// URL is a connection URL (a DATABASE_URL) through the relay for user and
// database, without a password: the client passes its own, and the relay
// passes it on without reading it. On TCP it asks for sslmode=require when
// the relay terminates TLS (Config.TLS), sslmode=disable otherwise.
func (r *Relay) URL(user, database string) string {
	u := url.URL{Scheme: "postgres", User: url.User(user), Path: "/" + database}
	q := url.Values{}
	if r.unixDir != "" {
		q.Set("host", r.unixDir)
		q.Set("port", "5432")
	} else {
		u.Host = r.addr
		q.Set("sslmode", "disable")
		if r.cfg.TLS != nil {
			q.Set("sslmode", "require")
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// Hold turns holding on or off. Holding, every step (see Batch) a client
// sends waits on Batches until it is forwarded; not holding, everything
// passes through. Batches already held stay held.
func (r *Relay) Hold(on bool) { r.hold.Store(on) }

// Batches are the held steps, in the order they arrived. Each must be
// forwarded (Batch.Forward): its connection's next step waits for it —
// unless its client cancelled it, and went on. The channel is closed once
// Close has ended every connection.
func (r *Relay) Batches() <-chan *Batch { return r.batches }

// Close stops listening and closes every connection (held batches end
// Closed), and returns once every goroutine of the relay has ended.
func (r *Relay) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	close(r.done)
	err := r.ln.Close()
	for _, c := range r.conns {
		c.shutdown()
	}
	r.mu.Unlock()
	r.wg.Wait()
	close(r.batches)
	if r.unixDir != "" {
		os.Remove(filepath.Join(r.unixDir, socketFile))
	}
	return err
}

func (r *Relay) accept() {
	for {
		nc, err := r.ln.Accept()
		if err != nil {
			select {
			case <-r.done:
			default:
				r.logf("wire: accepting: %v", err)
			}
			return
		}
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			nc.Close()
			return
		}
		r.nextID++
		c := newConn(r, r.nextID, nc)
		r.conns[c.id] = c
		r.mu.Unlock()
		r.wg.Go(c.serve)
	}
}

// forget drops an ended connection.
func (r *Relay) forget(c *conn) {
	r.mu.Lock()
	delete(r.conns, c.id)
	r.mu.Unlock()
}

// cancel answers a client's CancelRequest: a statement the relay holds is
// cancelled here, and never reaches the server; anything else goes to the
// server, which checks the key itself.
func (r *Relay) cancel(req *pgproto3.CancelRequest) {
	r.mu.Lock()
	var target *conn
	for _, c := range r.conns {
		if c.pid == req.ProcessID && subtle.ConstantTimeCompare(c.secret, req.SecretKey) == 1 {
			target = c
			break
		}
	}
	r.mu.Unlock()
	if target != nil && target.cancelHeld() {
		return
	}
	ctx, stop := context.WithTimeout(context.Background(), cancelTimeout)
	defer stop()
	nc, err := r.cfg.Backend(ctx)
	if err != nil {
		r.logf("wire: forwarding a cancel request: %v", err)
		return
	}
	defer nc.Close()
	buf, err := req.Encode(nil)
	if err == nil {
		_, err = nc.Write(buf)
	}
	if err != nil {
		r.logf("wire: forwarding a cancel request: %v", err)
		return
	}
	// The server closes the connection once it has read the request.
	nc.Read(make([]byte, 1))
}

func (r *Relay) logf(format string, args ...any) {
	if r.cfg.Logf != nil {
		r.cfg.Logf(format, args...)
	}
}
