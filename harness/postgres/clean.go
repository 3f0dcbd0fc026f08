package postgres

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Leftover is a jbcheck_* database found on a server, what its comment says
// of the run that made it, and what Clean decided.
type Leftover struct {
	Name   string
	Owner  Owner // zero when Marked is false
	Marked bool  // its comment names the run that made it
	Gone   bool  // that run is over: the database is dropped
	Why    string
	Err    error // dropping it failed
}

// CleanOptions choose what Clean drops.
type CleanOptions struct {
	// OlderThan, when positive, also counts as gone a run on another host
	// (whose process cannot be seen from here) started longer ago.
	OlderThan time.Duration
	// DryRun decides and drops nothing.
	DryRun bool
}

// Clean lists the jbcheck_* databases on the server the DSN reaches and
// drops those whose run is gone: a run on this host whose process no longer
// exists, or, with OlderThan, a run started longer ago. It keeps, and lists,
// every other one — a run still alive, a database without a comment jbcheck
// wrote, one in use — and never forces a drop.
func Clean(ctx context.Context, dsn string, opts CleanOptions) ([]Leftover, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, errors.New("cannot parse the DSN: expected a postgres:// URL or key=value pairs (see libpq's connection strings)")
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s:%d as %s: %w", cfg.Host, cfg.Port, cfg.User, err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, `SELECT datname, coalesce(shobj_description(oid, 'pg_database'), '')
		FROM pg_database WHERE datname LIKE 'jbcheck\_%' ORDER BY datname`)
	if err != nil {
		return nil, err
	}
	var found []Leftover
	for rows.Next() {
		var l Leftover
		var comment string
		if err := rows.Scan(&l.Name, &comment); err != nil {
			return nil, err
		}
		if !ownName.MatchString(l.Name) {
			continue
		}
		l.Owner, l.Marked = parseOwner(comment)
		l.Gone, l.Why = judge(l, opts.OlderThan, time.Now())
		found = append(found, l)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range found {
		if l := &found[i]; l.Gone && !opts.DryRun {
			// No FORCE: a database someone is connected to is not a dead
			// run's, and is kept.
			var pgErr *pgconn.PgError
			_, err := conn.Exec(ctx, "DROP DATABASE "+pgx.Identifier{l.Name}.Sanitize())
			switch {
			case errors.As(err, &pgErr) && pgErr.Code == "55006": // object_in_use
				l.Gone, l.Why = false, "someone is connected to it, so its run may be alive"
			case err != nil:
				l.Gone, l.Err = false, err
			}
		}
	}
	return found, nil
}

// judge decides whether the run that made l is over, and says why.
func judge(l Leftover, olderThan time.Duration, now time.Time) (bool, string) {
	if !l.Marked {
		return false, "no comment naming a jbcheck run: not known to be a dead run's"
	}
	host, _ := os.Hostname()
	if l.Owner.Host == host {
		if alive(l.Owner.PID) {
			return false, "its run is alive on this host"
		}
		return true, "its run is gone from this host"
	}
	if olderThan > 0 && now.Sub(l.Owner.Started) > olderThan {
		return true, fmt.Sprintf("its run, on host %s, started more than %v ago", l.Owner.Host, olderThan)
	}
	return false, fmt.Sprintf("its run is on host %s, which this one cannot see (--older-than decides by age)", l.Owner.Host)
}

// alive reports whether a process with this pid exists here (one that is not
// ours counts too: a reused pid keeps the database, which is the safe side).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
