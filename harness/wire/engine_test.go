package wire_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/interleave"
	"jbcheck.dev/jbcheck/harness/pgtest"
	"jbcheck.dev/jbcheck/harness/wire"
)

// relayProgram runs each session's SQL as an application would: a client
// of its own (pgx, through the relay) sends it, and the session takes the
// batch the relay holds — the participant's, as the only one running — to
// the gate as an External step. Participants are declared by
// application_name.
type relayProgram struct {
	r        *wire.Relay
	sessions [][]string
	clients  []*pgx.Conn
	routes   map[string]chan *wire.Batch // by application_name
}

const relayTable = `DROP TABLE IF EXISTS wire_t; CREATE TABLE wire_t (id int PRIMARY KEY, v int); INSERT INTO wire_t VALUES (1, 0), (2, 0)`

func newRelayProgram(t *testing.T, e *interleave.Engine, sessions [][]string) *relayProgram {
	t.Helper()
	r := startRelay(t, wire.Config{Hold: true, Params: e.SessionParams()})
	p := &relayProgram{r: r, sessions: sessions, routes: map[string]chan *wire.Batch{}}
	for i := range sessions {
		name := fmt.Sprintf("s%d", i+1)
		p.routes[name] = make(chan *wire.Batch, 1)
		p.clients = append(p.clients, connect(t, r, "application_name="+name))
	}
	go func() {
		for b := range r.Batches() {
			route, ok := p.routes[b.ApplicationName]
			if !ok {
				panic("a batch of no participant: " + b.ApplicationName)
			}
			route <- b
		}
	}()
	return p
}

func (p *relayProgram) Roles() []interleave.Role {
	var roles []interleave.Role
	for i := range p.sessions {
		roles = append(roles, interleave.Role{Name: fmt.Sprintf("s%d", i+1), External: true})
	}
	return roles
}

func (p *relayProgram) Tuning() interleave.Tuning { return interleave.Tuning{} }

func (p *relayProgram) Start(ctx context.Context, s *interleave.Schedule) (interleave.Run, error) {
	if _, err := s.Control().Exec(ctx, relayTable); err != nil {
		return nil, err
	}
	return &relayRun{p: p, answers: make([][]string, len(p.sessions))}, nil
}

type relayRun struct {
	p       *relayProgram
	answers [][]string
}

func (r *relayRun) Session(ctx context.Context, s *interleave.Session) error {
	client, route := r.p.clients[s.ID()], r.p.routes[s.Name()]
	for _, sql := range r.p.sessions[s.ID()] {
		answer := make(chan string, 1)
		go func() {
			tag, err := client.Exec(ctx, sql)
			if err != nil {
				answer <- "error " + err.Error()
				return
			}
			answer <- tag.String()
		}()
		err := s.Op(nil, func() error {
			b := <-route
			return s.External(interleave.Statement{SQL: b.SQL, Args: b.Args}, b.BackendPID, func() (string, byte, byte, error) {
				return b.Forward(ctx)
			})
		})
		a := <-answer
		if err != nil && !strings.HasPrefix(a, "error") {
			return fmt.Errorf("the step failed (%v), the client saw %s", err, a)
		}
		r.answers[s.ID()] = append(r.answers[s.ID()], a)
	}
	return nil
}

func (r *relayRun) Finish(ctx context.Context, s *interleave.Schedule) (interleave.Outcome, error) {
	var b strings.Builder
	for i, a := range r.answers {
		fmt.Fprintf(&b, "s%d: %s\n", i+1, strings.Join(a, " | "))
	}
	var v1, v2 int
	if err := s.Control().QueryRow(ctx, "SELECT (SELECT v FROM wire_t WHERE id = 1), (SELECT v FROM wire_t WHERE id = 2)").Scan(&v1, &v2); err != nil {
		return interleave.Outcome{}, err
	}
	fmt.Fprintf(&b, "t: %d %d", v1, v2)
	return interleave.Outcome{Key: b.String()}, nil
}

// relayEngine opens an engine on the test cluster with its WaitLog.
func relayEngine(t *testing.T) *interleave.Engine {
	t.Helper()
	srv := pgtest.Server(t)
	log, err := srv.WaitLog()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	e, err := interleave.New(context.Background(), interleave.Config{ConnConfig: srv.ConnConfig, WaitLog: log, StuckTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

var opposite = [][]string{
	{"BEGIN", "UPDATE wire_t SET v = 1 WHERE id = 1", "UPDATE wire_t SET v = 1 WHERE id = 2", "COMMIT"},
	{"BEGIN", "UPDATE wire_t SET v = 2 WHERE id = 2", "UPDATE wire_t SET v = 2 WHERE id = 1", "COMMIT"},
}

// TestRelaySessionsAreEngineSessions: clients through the relay are
// scheduled as the engine's own connections are. A schedule with a lock
// wait replays 30 times with the same transcript and outcome; exploring
// every schedule of the opposite updates finds both deadlocks, the victim
// the session that closed the cycle, and nothing stuck.
func TestRelaySessionsAreEngineSessions(t *testing.T) {
	e := relayEngine(t)
	p := newRelayProgram(t, e, opposite)
	ctx := context.Background()
	var first *interleave.Result
	for i := range 30 {
		choices := interleave.Replay{0, 0, 1, 0, 1}
		res, err := e.Run(ctx, p, &choices)
		if err != nil {
			t.Fatalf("replay %d: %v", i, err)
		}
		if first == nil {
			first = res
			want := []string{"s1: <waiting ...>", "s2: UPDATE wire_t SET v = 2 WHERE id = 1",
				"s2: ERROR:  deadlock detected (SQLSTATE 40P01)", "s1: <... completed>"}
			line := 0
			for _, w := range want {
				for line < len(res.Transcript) && !strings.Contains(res.Transcript[line], w) {
					line++
				}
				if line == len(res.Transcript) {
					t.Fatalf("transcript lacks %q (in order):\n%s", w, strings.Join(res.Transcript, "\n"))
				}
				line++
			}
			continue
		}
		if got, want := strings.Join(res.Transcript, "\n"), strings.Join(first.Transcript, "\n"); got != want {
			t.Fatalf("replay %d: transcript differs:\n%s\n--- first:\n%s", i, got, want)
		}
		if res.Outcome.Key != first.Outcome.Key {
			t.Fatalf("replay %d: outcome %q, first %q", i, res.Outcome.Key, first.Outcome.Key)
		}
	}
	rep, err := interleave.Explore(ctx, []*interleave.Engine{e}, p, interleave.ExploreOptions{Strategy: interleave.Strategy{Name: "exhaustive"}})
	if err != nil {
		t.Fatal(err)
	}
	var deadlocks []string
	for key := range rep.Outcomes {
		if strings.Contains(key, "deadlock detected") {
			deadlocks = append(deadlocks, key)
		}
	}
	slices.Sort(deadlocks)
	if len(deadlocks) != 2 || !rep.Complete {
		t.Errorf("%d deadlock outcomes (want 2), complete %v, after %d schedules:\n%s", len(deadlocks), rep.Complete, rep.Explored, strings.Join(deadlocks, "\n"))
	}
}
