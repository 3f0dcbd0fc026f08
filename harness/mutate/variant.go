package mutate

import (
	"context"
	"maps"
	"time"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/model"
)

// variant is a variant whose SQL goes through a rewriter: a mutant, a
// variant held at one isolation level, or one whose statements are being
// recorded. It has a name, so a schema, of its own.
type variant struct {
	base    protocol.Variant
	info    protocol.Info
	ddl     string            // its Schema()
	session map[string]string // its SessionSettings()
	// rewriter is what the calls of operation op send their SQL through
	// (op is join, leave, deposit, transfer, balance, members or worker).
	rewriter func(op string) protocol.Rewriter
}

// wrap returns v as a protocol.Variant, with its base's background worker
// when the base has one.
func wrap(v *variant) protocol.Variant {
	if w, ok := v.base.(protocol.Worker); ok {
		return working{v, w}
	}
	return v
}

// sessionSettings are a variant's run-time parameters (see
// protocol.ConfigureClient), copied.
func sessionSettings(v protocol.Variant) map[string]string {
	out := map[string]string{}
	if s, ok := v.(interface{ SessionSettings() map[string]string }); ok {
		maps.Copy(out, s.SessionSettings())
	}
	return out
}

// sessionLevel is the isolation level a variant's plain BEGIN gets.
func sessionLevel(session map[string]string) pgx.TxIsoLevel {
	if l, ok := session["default_transaction_isolation"]; ok {
		return pgx.TxIsoLevel(l)
	}
	return pgx.ReadCommitted // the server's default
}

func (v *variant) in(ctx context.Context, op string) context.Context {
	return protocol.WithRewriter(ctx, v.rewriter(op))
}

func (v *variant) Info() protocol.Info                { return v.info }
func (v *variant) Schema() string                     { return v.ddl }
func (v *variant) SessionSettings() map[string]string { return v.session }

func (v *variant) Join(ctx context.Context, conn *pgx.Conn, world int64, user, group string) (model.Result, error) {
	return v.base.Join(v.in(ctx, "join"), conn, world, user, group)
}

func (v *variant) Leave(ctx context.Context, conn *pgx.Conn, world int64, user, group string) (model.Result, error) {
	return v.base.Leave(v.in(ctx, "leave"), conn, world, user, group)
}

func (v *variant) Deposit(ctx context.Context, conn *pgx.Conn, world int64, user string, amount int64) error {
	return v.base.Deposit(v.in(ctx, "deposit"), conn, world, user, amount)
}

func (v *variant) Transfer(ctx context.Context, conn *pgx.Conn, world int64, from, to string, amount int64) (model.Result, error) {
	return v.base.Transfer(v.in(ctx, "transfer"), conn, world, from, to, amount)
}

func (v *variant) Balance(ctx context.Context, conn *pgx.Conn, world int64, account model.Account) (int64, error) {
	return v.base.Balance(v.in(ctx, "balance"), conn, world, account)
}

func (v *variant) Members(ctx context.Context, conn *pgx.Conn, world int64, group string) ([]string, error) {
	return v.base.Members(v.in(ctx, "members"), conn, world, group)
}

// working is a variant with its base's background worker.
type working struct {
	*variant
	w protocol.Worker
}

func (v working) WorkOnce(ctx context.Context, conn *pgx.Conn) (bool, error) {
	return v.w.WorkOnce(v.in(ctx, "worker"), conn)
}

func (v working) Interval() time.Duration { return v.w.Interval() }
