package mutate

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/postgres"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/model"
)

// ops orders the places a mutation can be, as reports list them.
var ops = []string{"join", "leave", "deposit", "transfer", "balance", "members", "worker", "session", "schema"}

// tour is a sequence of calls that takes every path of every operation:
// a join that pays, one already a member, one that cannot pay, both leaves,
// a deposit, a transfer that pays and one that cannot, every read.
const (
	tourWorld = "users=u0:100,u1:0 groups=g0:cap=2:fee=10"
	tourCalls = "c0: join(u0,g0) join(u0,g0) join(u1,g0) members(g0) leave(u0,g0) leave(u0,g0) deposit(u1,5) transfer(u0,u1,10) transfer(u1,u0,1000) balance(u0) balance(g0)"
)

// recorded is what a variant sent on its tour: each operation's distinct
// statements and its transactions' isolation levels, in the order first
// sent.
type recorded struct {
	mu         sync.Mutex
	statements map[string][]string
	levels     map[string][]pgx.TxIsoLevel
}

// recording records what one operation sends, and changes nothing.
type recording struct {
	rec     *recorded
	op      string
	session pgx.TxIsoLevel
}

func (r recording) Statement(sql string) string {
	r.rec.mu.Lock()
	defer r.rec.mu.Unlock()
	if !slices.Contains(r.rec.statements[r.op], sql) {
		r.rec.statements[r.op] = append(r.rec.statements[r.op], sql)
	}
	return sql
}

func (r recording) Transaction(opts pgx.TxOptions) (bool, pgx.TxOptions) {
	level := opts.IsoLevel
	if level == "" {
		level = r.session
	}
	r.rec.mu.Lock()
	defer r.rec.mu.Unlock()
	if !slices.Contains(r.rec.levels[r.op], level) {
		r.rec.levels[r.op] = append(r.rec.levels[r.op], level)
	}
	return true, opts
}

// Enumerate finds every mutation site of base: it sends base on a tour of
// every operation's paths (each call once without and once with an
// operation id, the background worker running), records each statement and
// transaction, and applies every operator at every site it finds there and
// in the schema. The order is fixed: by where (ops), then operator, then
// statement as first sent, then position.
func Enumerate(ctx context.Context, server *postgres.Server, base protocol.Variant) ([]Mutation, error) {
	rec := &recorded{statements: map[string][]string{}, levels: map[string][]pgx.TxIsoLevel{}}
	settings := sessionSettings(base)
	info := base.Info()
	info.Name += "-sites"
	v := wrap(&variant{base: base, info: info, ddl: base.Schema(), session: settings,
		rewriter: func(op string) protocol.Rewriter { return recording{rec, op, sessionLevel(settings)} }})
	if err := tour(ctx, server, v); err != nil {
		return nil, fmt.Errorf("recording the statements of %s: %w", base.Info().Name, err)
	}
	var out []Mutation
	add := func(m Mutation) {
		m.Index, m.Variant = len(out), base.Info().Name
		out = append(out, m)
	}
	for _, op := range ops {
		for _, o := range textOperators {
			for _, sql := range rec.statements[op] {
				for _, e := range o.sites(sql) {
					add(Mutation{Operator: o.name, Op: op, Site: sql, Mutated: e.apply(sql), kind: statement})
				}
			}
		}
		for _, l := range rec.levels[op] {
			add(Mutation{Operator: SplitTransaction, Op: op, Site: begin(l) + " … COMMIT", Mutated: "autocommit", kind: transaction})
		}
		for _, l := range rec.levels[op] {
			if low := lower(l); low != "" {
				add(Mutation{Operator: LowerIsolation, Op: op, Site: begin(l), Mutated: begin(low), kind: transaction, level: low})
			}
		}
	}
	if low := lower(sessionLevel(settings)); low != "" && settings["default_transaction_isolation"] != "" {
		add(Mutation{Operator: LowerIsolation, Op: "session", Site: "default_transaction_isolation = " + settings["default_transaction_isolation"],
			Mutated: "default_transaction_isolation = " + string(low), kind: session, level: low})
	}
	for _, e := range onConflictSites(base.Schema()) {
		add(Mutation{Operator: DropOnConflict, Op: "schema", Site: base.Schema(), Mutated: e.apply(base.Schema()), kind: schema})
	}
	names, drops := uniqueSites(protocol.SchemaDDL(base))
	for i := range names {
		add(Mutation{Operator: DropUnique, Op: "schema", Site: names[i], Mutated: base.Schema() + "\n" + drops[i], kind: schema})
	}
	return out, nil
}

// tour runs tourCalls on v, sequentially, twice: without operation ids,
// then with (the calls a retrying caller makes).
func tour(ctx context.Context, server *postgres.Server, v protocol.Variant) error {
	sc, err := model.ParseScenario(tourCalls, tourWorld)
	if err != nil {
		return err
	}
	conn, err := connect(ctx, server, v)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if w, ok := v.(protocol.Worker); ok {
		wconn, err := connect(ctx, server, v)
		if err != nil {
			return err
		}
		defer wconn.Close(context.Background())
		wctx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- protocol.RunWorker(wctx, w, wconn, 0) }()
		defer func() { stop(); <-done }()
	}
	for round := range 2 {
		world, err := protocol.CreateWorld(ctx, conn, sc.World)
		if err != nil {
			return err
		}
		for j, in := range sc.Clients[0] {
			in.World = world
			callCtx := ctx
			if round == 1 {
				callCtx = protocol.WithOperationID(ctx, fmt.Sprint("tour-", j))
			}
			if _, err := protocol.Apply(callCtx, v, conn, in); err != nil {
				return fmt.Errorf("%s: %w", in, err)
			}
		}
	}
	return nil
}

// connect opens a client connection to v's own schema, installed.
func connect(ctx context.Context, server *postgres.Server, v protocol.Variant) (*pgx.Conn, error) {
	cfg := server.ConnConfig()
	protocol.ConfigureClient(cfg, v, protocol.SchemaName(v))
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := protocol.Install(ctx, conn, v, protocol.SchemaName(v)); err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	return conn, nil
}
