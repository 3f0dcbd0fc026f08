package spec

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// opRec is one execution of a block of SQL on a session: a step, or the
// session's setup or teardown. Its session's goroutine fills it in before
// the engine hears that it ended, so whoever the engine tells that the
// session is no longer in flight may read it.
type opRec struct {
	step     *Step // nil for a setup or teardown
	session  int
	items    []item
	err      error // the error that ended it, if any
	tag      string
	txBefore byte // transaction status before and after: 'I', 'T' or 'E'
	txAfter  byte
	notices  []string // notices received while it ran, as printed
}

// item is one result of a simple-query message: a result set or an error.
type item struct {
	tuples bool // a result with columns (libpq's PGRES_TUPLES_OK)
	tag    string
	names  []string
	rows   [][][]byte
	err    error
}

// render is what isolationtester prints of the op's results: each result
// set, and the error line.
func (op *opRec) render() string {
	var b strings.Builder
	for _, it := range op.items {
		switch {
		case it.err != nil:
			b.WriteString(errorLine(it.err))
		case it.tuples:
			writeResultSet(&b, it.names, it.rows)
		}
	}
	return b.String()
}

// last is what PQexec returns of a block: its last result.
func (op *opRec) last() item {
	if len(op.items) == 0 {
		return item{}
	}
	return op.items[len(op.items)-1]
}

// committed reports an op that ended a transaction with a commit: it left
// the session outside a transaction, without an error, and did not end in
// ROLLBACK (which COMMIT of a failed transaction also answers).
func (op *opRec) committed() bool {
	return op.txAfter == 'I' && op.err == nil && op.tag != "ROLLBACK"
}

// wrote reports an op whose commands changed something: rows inserted,
// updated or deleted, or a definition.
func (op *opRec) wrote() bool {
	for _, it := range op.items {
		word, rest, _ := strings.Cut(it.tag, " ")
		switch word {
		case "INSERT", "UPDATE", "DELETE", "MERGE", "COPY":
			fields := strings.Fields(rest)
			if len(fields) > 0 && fields[len(fields)-1] != "0" {
				return true
			}
		case "CREATE", "ALTER", "DROP", "TRUNCATE", "GRANT", "REVOKE", "COMMENT":
			return true
		}
	}
	return false
}

// exec runs sql on pg as one simple-query message and records every result
// in op, as libpq would return them: result sets with their column names,
// and the error that stopped the message (a result set cut short by an
// error is discarded, as libpq discards it).
func exec(ctx context.Context, rec *sessionRec, pg *pgconn.PgConn, sql string, op *opRec) (pgconn.CommandTag, error) {
	if rec != nil {
		rec.begin(op)
		defer rec.end()
	}
	op.txBefore = pg.TxStatus()
	mrr := pg.Exec(ctx, sql)
	var tag pgconn.CommandTag
	for mrr.NextResult() {
		rr := mrr.ResultReader()
		it := item{}
		if fds := rr.FieldDescriptions(); fds != nil {
			it.tuples = true
			for _, fd := range fds {
				it.names = append(it.names, fd.Name)
			}
		}
		for rr.NextRow() {
			values := rr.Values()
			row := make([][]byte, len(values))
			for i, v := range values {
				if v != nil {
					row[i] = append([]byte{}, v...)
				}
			}
			it.rows = append(it.rows, row)
		}
		t, err := rr.Close()
		if err != nil {
			op.items = append(op.items, item{err: err})
			op.err = err
			continue
		}
		tag = t
		it.tag = t.String()
		op.items = append(op.items, it)
	}
	// A simple query stops at its first error: the one Close returns was
	// recorded already, unless it came between two statements.
	if err := mrr.Close(); err != nil && op.err == nil {
		op.items = append(op.items, item{err: err})
		op.err = err
	}
	op.tag = tag.String()
	op.txAfter = pg.TxStatus()
	return tag, op.err
}

// sessionRec is what one session received during a schedule, as its
// connection's notice and notification handlers saw it.
type sessionRec struct {
	name  string
	watch *watchedConn // nil if the connection could not be watched

	mu      sync.Mutex
	current *opRec
	notices []string // every notice, in order of arrival
	notify  []string // NOTIFY lines not yet printed
	pids    func(uint32) string
}

func (r *sessionRec) begin(op *opRec) {
	r.mu.Lock()
	r.current = op
	r.mu.Unlock()
}

func (r *sessionRec) end() {
	r.mu.Lock()
	r.current = nil
	r.mu.Unlock()
}

// noticesFrom returns the notices received from the n-th on.
func (r *sessionRec) noticesFrom(n int) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n >= len(r.notices) {
		return nil
	}
	return append([]string(nil), r.notices[n:]...)
}

// drainNotifications returns the NOTIFY lines received and not yet printed.
func (r *sessionRec) drainNotifications() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.notify
	r.notify = nil
	return out
}

// router sends each connection's notices and notifications to the session
// that owns the connection in the current schedule; a connection nobody
// owns (the control connection, a session between schedules) drops them,
// as isolationtester's control connection does.
type router struct {
	mu    sync.Mutex
	owner map[*pgconn.PgConn]*sessionRec
}

func newRouter() *router { return &router{owner: map[*pgconn.PgConn]*sessionRec{}} }

// configure makes connections opened with cfg report to the router.
func (rt *router) configure(cfg *pgx.ConnConfig) *pgx.ConnConfig {
	cfg.OnNotice = rt.notice
	cfg.OnNotification = rt.notification
	return cfg
}

func (rt *router) own(pg *pgconn.PgConn, rec *sessionRec) {
	rec.watch, _ = pg.Conn().(*watchedConn)
	rt.mu.Lock()
	rt.owner[pg] = rec
	rt.mu.Unlock()
}

func (rt *router) disown(recs []*sessionRec) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	for pg, rec := range rt.owner {
		for _, r := range recs {
			if rec == r {
				delete(rt.owner, pg)
			}
		}
	}
}

func (rt *router) lookup(pg *pgconn.PgConn) *sessionRec {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.owner[pg]
}

func (rt *router) notice(pg *pgconn.PgConn, n *pgconn.Notice) {
	rec := rt.lookup(pg)
	if rec == nil {
		return
	}
	text := noticeText(n)
	rec.mu.Lock()
	rec.notices = append(rec.notices, text)
	if rec.current != nil {
		rec.current.notices = append(rec.current.notices, text)
	}
	rec.mu.Unlock()
}

func (rt *router) notification(pg *pgconn.PgConn, n *pgconn.Notification) {
	rec := rt.lookup(pg)
	if rec == nil {
		return
	}
	rec.mu.Lock()
	line := fmt.Sprintf("%s: NOTIFY \"%s\" with payload \"%s\" from %s\n", rec.name, n.Channel, n.Payload, rec.pids(n.PID))
	rec.notify = append(rec.notify, line)
	rec.mu.Unlock()
}
