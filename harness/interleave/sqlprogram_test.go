package interleave_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/interleave"
	"jbcheck.dev/jbcheck/harness/postgres"
)

var server *postgres.Server

func TestMain(m *testing.M) {
	s, err := postgres.Start(context.Background(), postgres.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "interleave tests:", err)
		os.Exit(2)
	}
	server = s
	code := m.Run()
	s.Stop()
	os.Exit(code)
}

// sqlProgram is the smallest program: each session runs its SQL steps in
// order, one operation each, and the outcome is every step's answer plus
// the final contents of the table t. Setup runs before every schedule.
type sqlProgram struct {
	setup    string
	sessions [][]string
	final    string // a query whose rows end the outcome
	reduce   bool
	// stateless makes the promise of Tuning.Stateless (true or not).
	stateless bool
}

func (p *sqlProgram) Roles() []interleave.Role {
	var roles []interleave.Role
	for i := range p.sessions {
		roles = append(roles, interleave.Role{Name: fmt.Sprintf("s%d", i+1)})
	}
	return roles
}

// Tuning promises a self-contained program: nothing but its sessions
// touches the tables of a test while it runs.
func (p *sqlProgram) Tuning() interleave.Tuning {
	return interleave.Tuning{Reduce: p.reduce, Stateless: p.stateless, SelfContained: true}
}

func (p *sqlProgram) Start(ctx context.Context, s *interleave.Schedule) (interleave.Run, error) {
	if _, err := s.Control().Exec(ctx, p.setup); err != nil {
		return nil, err
	}
	return &sqlRun{p: p, answers: make([][]string, len(p.sessions))}, nil
}

type sqlRun struct {
	p       *sqlProgram
	answers [][]string // per session, written only by its goroutine
}

func (r *sqlRun) Session(ctx context.Context, s *interleave.Session) error {
	for _, sql := range r.p.sessions[s.ID()] {
		var answer string
		err := s.Op(nil, func() error {
			answer = query(ctx, s.Conn(), sql)
			return nil
		})
		if err != nil {
			return err
		}
		r.answers[s.ID()] = append(r.answers[s.ID()], answer)
		s.Logf("%s", answer)
	}
	return nil
}

// query runs sql with the simple protocol and describes its rows or error.
// Three prefixes send other kinds of request: "batch: A; B" sends A and B
// in one batch, "copy t: ID V" copies the row (ID, V) into t, and
// "prepare: SQL" prepares SQL (unnamed: prepared again every time).
func query(ctx context.Context, conn *pgx.Conn, sql string) string {
	switch {
	case strings.HasPrefix(sql, "batch: "):
		b := &pgx.Batch{}
		for _, q := range strings.Split(strings.TrimPrefix(sql, "batch: "), "; ") {
			b.Queue(q)
		}
		br := conn.SendBatch(ctx, b)
		var tags []string
		for range b.QueuedQueries {
			tag, err := br.Exec()
			if err != nil {
				br.Close()
				return "error " + err.Error()
			}
			tags = append(tags, tag.String())
		}
		if err := br.Close(); err != nil {
			return "error " + err.Error()
		}
		return strings.Join(tags, ", ")
	case strings.HasPrefix(sql, "copy t: "):
		var id, v int32
		fmt.Sscan(strings.TrimPrefix(sql, "copy t: "), &id, &v)
		n, err := conn.CopyFrom(ctx, pgx.Identifier{"t"}, []string{"id", "v"}, pgx.CopyFromRows([][]any{{id, v}}))
		if err != nil {
			return "error " + err.Error()
		}
		return fmt.Sprintf("COPY %d", n)
	case strings.HasPrefix(sql, "prepare: "):
		sd, err := conn.Prepare(ctx, "", strings.TrimPrefix(sql, "prepare: "))
		if err != nil {
			return "error " + err.Error()
		}
		return fmt.Sprintf("PREPARE %d fields", len(sd.Fields))
	}
	rows, err := conn.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return "error " + err.Error()
	}
	var out []string
	for rows.Next() {
		vals, _ := rows.Values()
		out = append(out, fmt.Sprint(vals...))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "error " + err.Error()
	}
	return rows.CommandTag().String() + " " + strings.Join(out, ",")
}

func (r *sqlRun) Finish(ctx context.Context, s *interleave.Schedule) (interleave.Outcome, error) {
	var b strings.Builder
	for i, a := range r.answers {
		fmt.Fprintf(&b, "s%d: %s\n", i+1, strings.Join(a, " | "))
	}
	if r.p.final != "" {
		b.WriteString(query(ctx, s.Control(), r.p.final))
	}
	return interleave.Outcome{Key: b.String()}, nil
}

// exploreAll explores every schedule of p on e: an error, or an
// exploration that stopped short, fails the test.
func exploreAll(t testing.TB, e *interleave.Engine, p interleave.Program) *interleave.Report {
	t.Helper()
	rep, err := interleave.Explore(context.Background(), []*interleave.Engine{e}, p,
		interleave.ExploreOptions{Strategy: interleave.Strategy{Name: "exhaustive"}})
	if err != nil || !rep.Complete {
		t.Fatalf("exploring: %v, complete %v", err, rep != nil && rep.Complete)
	}
	return rep
}

// engine opens an engine on the test cluster, closed when t ends.
func engine(t testing.TB, cfg interleave.Config) *interleave.Engine {
	t.Helper()
	cfg.ConnConfig = server.ConnConfig
	log, err := server.WaitLog()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	cfg.WaitLog = log
	backends := server.Backends()
	t.Cleanup(backends.Close)
	cfg.Freezer = backends
	if cfg.LockWaits == nil {
		cfg.LockWaits = backends
	}
	e, err := interleave.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}
