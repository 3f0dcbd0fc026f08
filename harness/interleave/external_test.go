package interleave_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"jbcheck.dev/jbcheck/harness/interleave"
)

// externalProgram is sqlProgram with External sessions: each forwards its
// statements over a raw pgconn.PgConn the test opened itself, as a relay
// forwards an application's.
type externalProgram struct {
	setup    string
	sessions [][]string
	final    string
	conns    []*pgconn.PgConn
}

func (p *externalProgram) Roles() []interleave.Role {
	var roles []interleave.Role
	for i := range p.sessions {
		roles = append(roles, interleave.Role{Name: fmt.Sprintf("s%d", i+1), External: true})
	}
	return roles
}

func (p *externalProgram) Tuning() interleave.Tuning { return interleave.Tuning{} }

func (p *externalProgram) Start(ctx context.Context, s *interleave.Schedule) (interleave.Run, error) {
	for _, c := range p.conns {
		// The engine resets no External connection: a schedule cut short
		// may have left one inside a transaction.
		if c.TxStatus() != 'I' {
			if err := c.Exec(ctx, "ROLLBACK").Close(); err != nil {
				return nil, err
			}
		}
	}
	if _, err := s.Control().Exec(ctx, p.setup); err != nil {
		return nil, err
	}
	return &externalRun{p: p, answers: make([][]string, len(p.sessions))}, nil
}

type externalRun struct {
	p       *externalProgram
	answers [][]string
}

func (r *externalRun) Session(ctx context.Context, s *interleave.Session) error {
	pg := r.p.conns[s.ID()]
	for _, sql := range r.p.sessions[s.ID()] {
		var answer string
		err := s.Op(nil, func() error {
			return s.External(interleave.Statement{SQL: sql}, pg.PID(), func() (string, byte, byte, error) {
				before := pg.TxStatus()
				results, err := pg.Exec(ctx, sql).ReadAll()
				var tag string
				if err == nil {
					last := results[len(results)-1]
					tag = last.CommandTag.String()
					var rows []string
					for _, row := range last.Rows {
						rows = append(rows, textRow(row))
					}
					answer = tag + " " + strings.Join(rows, ",")
				} else {
					answer = "error " + err.Error()
				}
				return tag, before, pg.TxStatus(), err
			})
		})
		if err != nil && pg.IsClosed() {
			return err
		}
		r.answers[s.ID()] = append(r.answers[s.ID()], answer)
		s.Logf("%s", answer) // as sqlRun does: the transcripts compare
	}
	return nil
}

func (r *externalRun) Finish(ctx context.Context, s *interleave.Schedule) (interleave.Outcome, error) {
	var b strings.Builder
	for i, a := range r.answers {
		fmt.Fprintf(&b, "s%d: %s\n", i+1, strings.Join(a, " | "))
	}
	b.WriteString(query(ctx, s.Control(), r.p.final))
	return interleave.Outcome{Key: b.String()}, nil
}

// textRow is a row of the text format as sqlRun's pgx decoding writes it.
func textRow(row [][]byte) string {
	cols := make([]string, len(row))
	for i, v := range row {
		switch cols[i] = string(v); cols[i] {
		case "t":
			cols[i] = "true"
		case "f":
			cols[i] = "false"
		}
	}
	return strings.Join(cols, " ")
}

// externalConns opens n raw connections with the engine's session
// settings, closed when t ends.
func externalConns(t *testing.T, e *interleave.Engine, n int) []*pgconn.PgConn {
	t.Helper()
	var conns []*pgconn.PgConn
	for range n {
		cfg := server.ConnConfig().Config.Copy()
		if cfg.RuntimeParams == nil {
			cfg.RuntimeParams = map[string]string{}
		}
		maps.Copy(cfg.RuntimeParams, e.SessionParams())
		c, err := pgconn.ConnectConfig(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close(context.Background()) })
		conns = append(conns, c)
	}
	return conns
}

// TestExternalSessionsAreScheduledLikeTheEngines runs every fidelity case
// that sends SQL text with External sessions: each case's schedule gives the same transcript as
// with the engine's own connections — waits, completions, the deadlock's
// victim — and replays 50 times with the same transcript and outcome.
func TestExternalSessionsAreScheduledLikeTheEngines(t *testing.T) {
	e := engine(t, interleave.Config{StuckTimeout: 20 * time.Second})
	for _, tc := range fidelityCases {
		if tc.pgxAPI {
			continue // not SQL text: nothing to forward
		}
		t.Run(tc.name, func(t *testing.T) {
			own := &sqlProgram{setup: table, sessions: tc.sessions, final: "SELECT id, v FROM t ORDER BY id"}
			choices := interleave.Replay(slices.Clone(tc.choices))
			want, err := e.Run(context.Background(), own, &choices)
			if err != nil {
				t.Fatal(err)
			}
			p := &externalProgram{setup: table, sessions: tc.sessions, final: "SELECT id, v FROM t ORDER BY id",
				conns: externalConns(t, e, len(tc.sessions))}
			first := replaysAlike(t, e, p, tc.choices, 50)
			if got, want := strings.Join(first.Transcript, "\n"), strings.Join(want.Transcript, "\n"); got != want {
				t.Fatalf("External sessions' transcript:\n%s\n--- the engine's own connections':\n%s", got, want)
			}
			assertInOrder(t, first.Transcript, tc.want)
		})
	}
}

// TestExternalSessionsExploreTheDeadlock explores every schedule of the
// opposite updates with External sessions: as with the engine's own
// connections, two deadlock outcomes (one per victim), none stuck.
func TestExternalSessionsExploreTheDeadlock(t *testing.T) {
	e := engine(t, interleave.Config{StuckTimeout: 20 * time.Second})
	p := &externalProgram{setup: table, sessions: fidelityCases[3].sessions, final: "SELECT id, v FROM t ORDER BY id",
		conns: externalConns(t, e, 2)}
	rep := exploreAll(t, e, p)
	deadlocks := 0
	for key := range rep.Outcomes {
		if strings.Contains(key, "deadlock detected") {
			deadlocks++
		}
	}
	if deadlocks != 2 {
		t.Errorf("%d deadlock outcomes (want 2): %v", deadlocks, rep.Outcomes)
	}
}
