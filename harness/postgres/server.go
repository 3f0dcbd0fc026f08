package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// Options choose the server the harness tests against.
type Options struct {
	// DSN reaches an existing server (a URL or key=value string). Empty means
	// the embedded cluster, unless PGHOST is set, in which case the libpq
	// environment variables that pgx reads describe the server.
	DSN string
	// BinDir holds initdb and postgres for the embedded cluster; empty means
	// search (see FindBinaries).
	BinDir string
	// Fsync turns fsync and full_page_writes on in the embedded cluster
	// (synchronous_commit is always on): needed only to survive an
	// operating-system crash, which no test here makes; slower.
	Fsync bool
	// KeepDatabase leaves the jbcheck_* database on a DSN server after Stop.
	KeepDatabase bool
}

// Server is the database the harness works in: an embedded cluster, or a
// database of its own on a server reached through a DSN.
type Server struct {
	mu            sync.Mutex
	config        *pgx.ConnConfig // reaches the harness' database
	embedded      *cluster        // nil with a DSN
	created       string          // with a DSN: the jbcheck_* database to drop on Stop
	adminDatabase string          // with a DSN: the database the DSN names
	keep          bool
	version       string
	stopped       bool
	incarnation   atomic.Uint64 // see Incarnation
}

// Start starts the embedded cluster or opens a database on the DSN's server.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.DSN == "" && os.Getenv("PGHOST") == "" {
		c, err := startCluster(ctx, opts)
		if err != nil {
			return nil, err
		}
		return &Server{config: c.connConfig(), embedded: c, version: c.bin.Version}, nil
	}
	return openDatabase(ctx, opts)
}

// Embedded reports whether the server is the harness' own cluster.
func (s *Server) Embedded() bool { return s.embedded != nil }

// Version is the server's version, such as "15.18".
func (s *Server) Version() string { return s.version }

// ConnConfig is a fresh copy of the configuration that reaches the harness'
// database. Set a tracer or run-time parameters on it before connecting: pgx
// copies the tracer when it connects.
func (s *Server) ConnConfig() *pgx.ConnConfig {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.config.Copy()
}

// Connect opens one connection (one PostgreSQL session) to the harness' database.
func (s *Server) Connect(ctx context.Context) (*pgx.Conn, error) {
	return pgx.ConnectConfig(ctx, s.ConnConfig())
}

// String describes the server without its password.
func (s *Server) String() string {
	cfg := s.ConnConfig()
	kind := "server"
	if s.Embedded() {
		kind = "embedded PostgreSQL"
	}
	return fmt.Sprintf("%s %s at %s:%d, database %s, user %s", kind, s.version, cfg.Host, cfg.Port, cfg.Database, cfg.User)
}

// DataDir is the embedded cluster's data directory ("" with a DSN).
func (s *Server) DataDir() string {
	if s.embedded == nil {
		return ""
	}
	return s.embedded.data
}

// Crash SIGKILLs every process of the embedded cluster at once, as a power
// cut would. Committed data survives only with Options.Fsync.
func (s *Server) Crash() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kill()
}

// kill is Crash with s.mu held.
func (s *Server) kill() error {
	if err := s.running(); err != nil {
		return err
	}
	s.embedded.kill()
	s.incarnation.Add(1)
	return nil
}

// Incarnation counts the embedded cluster's crashes and restarts: a
// connection made before it changed is to a server that is gone.
func (s *Server) Incarnation() uint64 { return s.incarnation.Load() }

// running reports why the embedded cluster cannot be crashed or restarted.
func (s *Server) running() error {
	switch {
	case s.embedded == nil:
		return ErrNotEmbedded
	case s.stopped:
		return ErrStopped
	}
	return nil
}

// Restart starts the embedded cluster again on the same data directory, on the
// same port when it is still free (see ConnConfig otherwise).
func (s *Server) Restart(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.kill(); err != nil {
		return err
	}
	if err := s.embedded.start(ctx); err != nil {
		return err
	}
	s.config = s.embedded.connConfig()
	return nil
}

// Stop shuts the embedded cluster down and removes its directory, or drops
// the harness' database on a DSN server (unless asked to keep it). Stopping
// twice is harmless.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return nil
	}
	s.stopped = true
	if s.embedded != nil {
		return s.embedded.stop()
	}
	if s.keep {
		return nil
	}
	ctx := context.Background()
	admin, err := pgx.ConnectConfig(ctx, s.adminConfig())
	if err == nil {
		defer admin.Close(ctx)
		err = dropDatabase(ctx, admin, s.created)
	}
	if err != nil {
		return fmt.Errorf("dropping database %s: %w; it stays on the server until `jbcheck clean --dsn DSN` drops the databases of runs that are gone", s.created, err)
	}
	return nil
}

// adminConfig reaches the DSN's own database, from which the harness'
// database can be dropped.
func (s *Server) adminConfig() *pgx.ConnConfig {
	cfg := s.config.Copy()
	cfg.Database = s.adminDatabase
	return cfg
}

var ownName = regexp.MustCompile(`^jbcheck_[a-z0-9_]+$`)

// dropDatabase drops name, which must be one the harness makes.
func dropDatabase(ctx context.Context, conn *pgx.Conn, name string) error {
	if !ownName.MatchString(name) {
		return fmt.Errorf("%w: %q", ErrNotOurs, name)
	}
	_, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	return err
}

func openDatabase(ctx context.Context, opts Options) (*Server, error) {
	cfg, err := pgx.ParseConfig(opts.DSN)
	if err != nil {
		// pgx's message may quote the DSN, password included: do not repeat it.
		return nil, errors.New("cannot parse the DSN: expected a postgres:// URL or key=value pairs (see libpq's connection strings)")
	}
	admin, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s:%d as %s: %w", cfg.Host, cfg.Port, cfg.User, err)
	}
	defer admin.Close(ctx)
	var version string
	if err := admin.QueryRow(ctx, "SELECT current_setting('server_version')").Scan(&version); err != nil {
		return nil, err
	}
	if err := checkPrivileges(ctx, admin, databaseOfItsOwn); err != nil {
		return nil, err
	}
	suffix := make([]byte, 6)
	rand.Read(suffix)
	name := "jbcheck_" + hex.EncodeToString(suffix)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return nil, fmt.Errorf("creating database %s: %w", name, err)
	}
	// The comment tells `jbcheck clean` whose it is, should this run be
	// killed before it drops it.
	if err := markDatabase(ctx, admin, name, thisRun()); err != nil {
		dropDatabase(context.Background(), admin, name)
		return nil, fmt.Errorf("marking database %s as this run's: %w", name, err)
	}
	s := &Server{config: cfg.Copy(), created: name, keep: opts.KeepDatabase, version: version, adminDatabase: cfg.Database}
	s.config.Database = name
	return s, nil
}
