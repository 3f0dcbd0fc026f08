package interleave

import (
	"context"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// gate is a session connection's tracer: outside a schedule it lets every
// request through; during one it reports each and waits for the grant.
// Every kind of request pgx sends is a step, granted before any of it goes
// out: a query (pgx.QueryTracer), a batch — statements sent together, one
// round trip — (pgx.BatchTracer), a COPY FROM (pgx.CopyFromTracer), and a
// Prepare (pgx.PrepareTracer) made on its own. pgx also prepares a
// statement inside a query, a batch or a COPY it was granted (its
// statement cache): that is part of their step, not a step of its own.
type gate struct {
	session atomic.Pointer[Session]
}

// stepKey carries, from a request's start to its end, the step it is: nil
// for a request that is no step of its own (outside a schedule, or inside
// another's step).
type stepKey struct{}

// step is what a request's end reports: the transaction status before it,
// the last command tag and the first error.
type step struct {
	before byte
	tag    string
	err    error
	over   bool
}

// start makes a request a step: it reports stmt at the session's gate and
// waits for the grant. A request pgx makes inside another's step — the
// step's context is the one it is given — is part of that step.
func (g *gate) start(ctx context.Context, c *pgx.Conn, stmt Statement) context.Context {
	s := g.session.Load()
	if outer, _ := ctx.Value(stepKey{}).(*step); s == nil || outer != nil && !outer.over {
		return context.WithValue(ctx, stepKey{}, (*step)(nil))
	}
	s.st.arrive(s, stmt, "")
	return context.WithValue(ctx, stepKey{}, &step{before: c.PgConn().TxStatus()})
}

// note records a result inside a step: the last tag, the first error.
func note(ctx context.Context, tag string, err error) {
	if st, _ := ctx.Value(stepKey{}).(*step); st != nil {
		if tag != "" {
			st.tag = tag
		}
		if st.err == nil {
			st.err = err
		}
	}
}

// finish reports the end of the step ctx carries, once.
func (g *gate) finish(ctx context.Context, c *pgx.Conn, tag string, err error) {
	st, _ := ctx.Value(stepKey{}).(*step)
	if st == nil || st.over {
		return
	}
	st.over = true
	note(ctx, tag, err)
	if s := g.session.Load(); s != nil {
		s.end(st.tag, st.before, c.PgConn().TxStatus(), st.err)
	}
}

// TraceQueryStart implements pgx.QueryTracer.
func (g *gate) TraceQueryStart(ctx context.Context, c *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	return g.start(ctx, c, Statement{SQL: data.SQL, Args: data.Args})
}

// TraceQueryEnd implements pgx.QueryTracer.
func (g *gate) TraceQueryEnd(ctx context.Context, c *pgx.Conn, data pgx.TraceQueryEndData) {
	g.finish(ctx, c, data.CommandTag.String(), data.Err)
}

// TraceBatchStart implements pgx.BatchTracer: the batch's statements are
// one step; its SQL joins their texts.
func (g *gate) TraceBatchStart(ctx context.Context, c *pgx.Conn, data pgx.TraceBatchStartData) context.Context {
	stmt := Statement{Batch: make([]Statement, len(data.Batch.QueuedQueries))}
	texts := make([]string, len(stmt.Batch))
	for i, q := range data.Batch.QueuedQueries {
		stmt.Batch[i], texts[i] = Statement{SQL: q.SQL, Args: q.Arguments}, q.SQL
	}
	stmt.SQL = strings.Join(texts, "; ")
	return g.start(ctx, c, stmt)
}

// TraceBatchQuery implements pgx.BatchTracer.
func (g *gate) TraceBatchQuery(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchQueryData) {
	note(ctx, data.CommandTag.String(), data.Err)
}

// TraceBatchEnd implements pgx.BatchTracer.
// Its tag is the last statement's (TraceBatchQuery).
func (g *gate) TraceBatchEnd(ctx context.Context, c *pgx.Conn, data pgx.TraceBatchEndData) {
	g.finish(ctx, c, "", data.Err)
}

// TraceCopyFromStart implements pgx.CopyFromTracer.
func (g *gate) TraceCopyFromStart(ctx context.Context, c *pgx.Conn, data pgx.TraceCopyFromStartData) context.Context {
	columns := make([]string, len(data.ColumnNames))
	for i, name := range data.ColumnNames {
		columns[i] = pgx.Identifier{name}.Sanitize()
	}
	return g.start(ctx, c, Statement{SQL: "COPY " + data.TableName.Sanitize() + " (" + strings.Join(columns, ", ") + ") FROM STDIN"})
}

// TraceCopyFromEnd implements pgx.CopyFromTracer.
func (g *gate) TraceCopyFromEnd(ctx context.Context, c *pgx.Conn, data pgx.TraceCopyFromEndData) {
	g.finish(ctx, c, data.CommandTag.String(), data.Err)
}

// TracePrepareStart implements pgx.PrepareTracer.
func (g *gate) TracePrepareStart(ctx context.Context, c *pgx.Conn, data pgx.TracePrepareStartData) context.Context {
	name := data.Name
	if name == "" {
		name = "(unnamed)"
	}
	return g.start(ctx, c, Statement{SQL: "PREPARE " + name + " AS " + data.SQL})
}

// TracePrepareEnd implements pgx.PrepareTracer.
func (g *gate) TracePrepareEnd(ctx context.Context, c *pgx.Conn, data pgx.TracePrepareEndData) {
	g.finish(ctx, c, "PREPARE", data.Err)
}
