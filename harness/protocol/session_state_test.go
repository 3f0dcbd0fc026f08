package protocol_test

import (
	"context"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/pgtest"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/model"
)

// TestCallsLeaveNoSessionState backs the promise schedule mode makes to the
// interleaving engine for the protocol (interleave.Tuning.Stateless): once
// a call or a worker round is over, its session holds nothing a fresh
// connection does not, so the engine may skip resetting it between two
// schedules. Every variant runs every kind of call, succeeding and failing,
// and its worker's rounds; the server then lists what the session holds.
func TestCallsLeaveNoSessionState(t *testing.T) {
	ctx := context.Background()
	spec := model.World{
		Users:  []model.User{{Name: "u0", Opening: 50}, {Name: "u1", Opening: 5}},
		Groups: []model.Group{{Name: "g0", Capacity: 1, Fee: 10}},
	}
	calls := []model.Input{
		{Op: model.OpJoin, User: "u0", Group: "g0"},
		{Op: model.OpJoin, User: "u0", Group: "g0"}, // already a member
		{Op: model.OpJoin, User: "u1", Group: "g0"}, // full, and too poor
		{Op: model.OpDeposit, User: "u1", Amount: 7},
		{Op: model.OpTransfer, User: "u0", To: "u1", Amount: 5},
		{Op: model.OpTransfer, User: "u1", To: "u0", Amount: 1000}, // too poor
		{Op: model.OpBalance, User: "u0"},
		{Op: model.OpBalance, Group: "g0"},
		{Op: model.OpMembers, Group: "g0"},
		{Op: model.OpLeave, User: "u0", Group: "g0"},
		{Op: model.OpLeave, User: "u0", Group: "g0"}, // no longer a member
		{Op: model.OpJoin, User: "u0", Group: "no-such-group"},
	}
	for _, v := range protocol.All() {
		t.Run(v.Info().Name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			pgtest.Connect(t, v) // installs v's tables
			sent := &sqlLog{}
			conn := tracedConn(t, v, sent)
			world, err := protocol.CreateWorld(ctx, conn, spec)
			if err != nil {
				t.Fatal(err)
			}
			// A lagging variant's calls wait for its worker's rounds: the
			// worker runs beside them, on a session of its own, and stops
			// between two rounds.
			sessions := map[string]*pgx.Conn{"the client's": conn}
			var stop atomic.Bool
			var worker sync.WaitGroup
			if w, ok := v.(protocol.Worker); ok {
				wconn := tracedConn(t, v, sent)
				sessions["the worker's"] = wconn
				worker.Go(func() {
					for !stop.Load() {
						if _, err := w.WorkOnce(ctx, wconn); err != nil {
							t.Errorf("a worker round: %v", err)
							return
						}
						time.Sleep(time.Millisecond)
					}
				})
			}
			for _, in := range calls {
				in.World = world
				protocol.Apply(ctx, v, conn, in) // failing calls are part of the test
			}
			stop.Store(true)
			worker.Wait()
			for name, c := range sessions {
				if tx := c.PgConn().TxStatus(); tx != 'I' {
					t.Fatalf("%s session is left in a transaction (status %q)", name, tx)
				}
				rows, err := c.Query(ctx, sessionStateSQL)
				if err != nil {
					t.Fatal(err)
				}
				held, err := pgx.CollectRows(rows, pgx.RowTo[string])
				if err != nil {
					t.Fatal(err)
				}
				if len(held) > 0 {
					t.Errorf("%s session holds %q after the calls: a fresh connection holds none of it", name, held)
				}
			}
			for _, sql := range sent.all() {
				if sequenceState.MatchString(sql) {
					t.Errorf("a statement reads a sequence's session state, which outlives its transaction: %s", sql)
				}
			}
		})
	}
}

// tracedConn connects to v's tables as a client does, every statement
// logged to sent.
func tracedConn(t *testing.T, v protocol.Variant, sent *sqlLog) *pgx.Conn {
	cfg := pgtest.Server(t).ConnConfig()
	protocol.ConfigureClient(cfg, v, protocol.SchemaName(v))
	cfg.Tracer = sent
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// sessionStateSQL lists what a session holds beyond its transactions: what
// the engine's reset (interleave.ResetSQL) would clear.
const sessionStateSQL = `
SELECT 'setting ' || name FROM pg_settings WHERE source = 'session'
UNION ALL SELECT 'advisory lock ' || objid FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory'
UNION ALL SELECT 'cursor ' || name FROM pg_cursors WHERE name <> '' -- '': the portal of this very query
UNION ALL SELECT 'channel ' || c FROM pg_listening_channels() AS c
UNION ALL SELECT 'temporary table ' || relname FROM pg_class WHERE relnamespace = pg_my_temp_schema()
UNION ALL SELECT 'prepared statement ' || name FROM pg_prepared_statements WHERE from_sql`

var sequenceState = regexp.MustCompile(`(?i)\b(currval|lastval)\s*\(`)

// sqlLog is a tracer that keeps the text of every statement sent.
type sqlLog struct {
	mu  sync.Mutex
	sql []string
}

func (l *sqlLog) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sql = append(l.sql, data.SQL)
	return ctx
}

func (l *sqlLog) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (l *sqlLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.sql...)
}
