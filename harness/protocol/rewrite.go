package protocol

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Rewriter changes what a variant sends, for mutation testing and the
// isolation-level matrix (harness/mutate). Without one in the context (the
// only case outside those), every variant sends exactly what its code says.
type Rewriter interface {
	// Statement returns the SQL to send instead of sql.
	Statement(sql string) string
	// Transaction returns how a transaction that would begin with opts
	// begins instead: tx false runs its statements in autocommit.
	Transaction(opts pgx.TxOptions) (tx bool, _ pgx.TxOptions)
}

type rewriterKey struct{}

// WithRewriter returns a context whose variant calls go through r.
func WithRewriter(ctx context.Context, r Rewriter) context.Context {
	return context.WithValue(ctx, rewriterKey{}, r)
}

// SchemaDDL is all the DDL Install runs for v: schema.sql, then v's own.
func SchemaDDL(v Variant) string { return schemaSQL + "\n" + v.Schema() }

// inTransaction runs body in a transaction begun with opts — or, when the
// context's rewriter says so, in autocommit — on a querier that rewrites
// each statement as the context's rewriter says.
func inTransaction(ctx context.Context, conn *pgx.Conn, opts pgx.TxOptions, body func(q querier) error) error {
	r, _ := ctx.Value(rewriterKey{}).(Rewriter)
	if r == nil {
		return pgx.BeginTxFunc(ctx, conn, opts, func(t pgx.Tx) error { return body(t) })
	}
	tx, opts := r.Transaction(opts)
	if !tx {
		return body(rewriting{conn, r})
	}
	return pgx.BeginTxFunc(ctx, conn, opts, func(t pgx.Tx) error { return body(rewriting{t, r}) })
}

// autocommit runs body outside any transaction, on a querier that rewrites
// each statement as the context's rewriter, if any, says.
func autocommit(ctx context.Context, conn *pgx.Conn, body func(q querier) error) error {
	if r, _ := ctx.Value(rewriterKey{}).(Rewriter); r != nil {
		return body(rewriting{conn, r})
	}
	return body(conn)
}

// rewriting sends every statement through its rewriter.
type rewriting struct {
	q querier
	r Rewriter
}

func (w rewriting) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return w.q.Exec(ctx, w.r.Statement(sql), args...)
}

func (w rewriting) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return w.q.QueryRow(ctx, w.r.Statement(sql), args...)
}

func (w rewriting) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return w.q.Query(ctx, w.r.Statement(sql), args...)
}
