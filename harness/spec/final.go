package spec

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// finalState reads a schedule's final state on the control connection,
// once every step and session teardown has ended: what Query reads, or
// else every table the spec's setup created, each in key order (its
// primary key, then the whole row as text). The tables' rows are read in
// either case: they tell which rows a transaction changed.
type finalState struct {
	Query   string
	tables  []string // discovered on the first schedule
	queries []string // that read them, in key order
	found   bool
}

// tablesSQL lists the ordinary and partitioned tables outside the system
// schemas, as the server would name them in a query.
const tablesSQL = `SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
ORDER BY 1`

// discover runs setup, learning on the first schedule which tables it
// creates.
func (f *finalState) discover(ctx context.Context, control *pgconn.PgConn, setup func() error) error {
	if f.found {
		return setup()
	}
	before, err := column(ctx, control, tablesSQL)
	if err != nil {
		return err
	}
	if err := setup(); err != nil {
		return err
	}
	after, err := column(ctx, control, tablesSQL)
	if err != nil {
		return err
	}
	for _, t := range after {
		if !slices.Contains(before, t) {
			f.tables = append(f.tables, t)
		}
	}
	f.found = true
	return nil
}

// read reads the final state, as result sets — what Query reads, or every
// table — and, a row a line, every table's rows ("TABLE: v1|v2"), which tell
// which rows a transaction changed.
func (f *finalState) read(ctx context.Context, control *pgconn.PgConn) (string, []string, error) {
	if f.queries == nil {
		for _, t := range f.tables {
			key, err := column(ctx, control, fmt.Sprintf(`SELECT quote_ident(a.attname) FROM pg_index i
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
WHERE i.indrelid = %s::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`, literal(t)))
			if err != nil {
				return "", nil, err
			}
			order := append(key, `x::text COLLATE "C"`)
			f.queries = append(f.queries, fmt.Sprintf("SELECT * FROM %s AS x ORDER BY %s", t, strings.Join(order, ", ")))
		}
	}
	var tables strings.Builder
	var rows []string
	for i, t := range f.tables {
		op := &opRec{session: -1}
		exec(ctx, nil, control, f.queries[i], op)
		fmt.Fprintf(&tables, "table %s:\n%s", t, op.render())
		for _, it := range op.items {
			for _, row := range it.rows {
				vals := make([]string, len(row))
				for j, v := range row {
					vals[j] = string(v)
				}
				rows = append(rows, t+": "+strings.Join(vals, "|"))
			}
		}
	}
	if f.Query == "" {
		return tables.String(), rows, nil
	}
	op := &opRec{session: -1}
	exec(ctx, nil, control, f.Query, op)
	return op.render(), rows, nil
}

// column runs a query of one text column and returns its values.
func column(ctx context.Context, conn *pgconn.PgConn, sql string) ([]string, error) {
	op := &opRec{session: -1}
	if _, err := exec(ctx, nil, conn, sql, op); err != nil {
		return nil, fmt.Errorf("reading the final state: %w", err)
	}
	var out []string
	for _, row := range op.last().rows {
		out = append(out, string(row[0]))
	}
	return out, nil
}

// literal quotes s as an SQL string literal.
func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
