package interleave

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// say adds a transcript line of session c to the current pause.
func (s *scheduler) say(c int, text string) {
	s.pause[c] = append(s.pause[c], fmt.Sprintf("        %s: %s", s.roles[c].Name, text))
}

// flushPause keeps the lines of the pause in isolationtester's order: the
// session that just stepped first, then sessions in the order they began
// waiting, then the rest — whatever order their goroutines reported in.
func (s *scheduler) flushPause() {
	if len(s.pause) == 0 {
		return
	}
	order := make([]int, 0, len(s.pause))
	for c := range s.pause {
		order = append(order, c)
	}
	key := func(c int) (int, int) {
		switch {
		case c == s.granted:
			return 0, c
		case s.rank[c] > 0:
			return 1, s.rank[c]
		}
		return 2, c
	}
	slices.SortFunc(order, func(a, b int) int {
		ga, ka := key(a)
		gb, kb := key(b)
		if ga != gb {
			return ga - gb
		}
		return ka - kb
	})
	for _, c := range order {
		s.res.Transcript = append(s.res.Transcript, s.pause[c]...)
	}
	clear(s.pause)
	for c := range s.rank {
		if !s.waiting[c] {
			s.rank[c] = 0
		}
	}
}

// describe is a step's line in the transcript: its SQL on one line and its
// arguments, a batch's statements one after the other. The SQL's line is
// made once per statement text (oneLine).
func (e *Engine) describe(ev event) string {
	if ev.label != "" {
		return ev.label
	}
	if len(ev.stmt.Batch) == 0 {
		return e.describeStatement(ev.stmt)
	}
	lines := make([]string, len(ev.stmt.Batch))
	for i, part := range ev.stmt.Batch {
		lines[i] = e.describeStatement(part)
	}
	return strings.Join(lines, "; ")
}

// describeStatement is one statement's SQL on one line and its arguments.
func (e *Engine) describeStatement(stmt Statement) string {
	sql, ok := e.oneLine[stmt.SQL]
	if !ok {
		sql = strings.Join(strings.Fields(stmt.SQL), " ")
		if len(e.oneLine) < maxOneLine {
			e.oneLine[stmt.SQL] = sql
		}
	}
	var b strings.Builder
	n := 0
	for _, a := range stmt.Args {
		if _, isMode := a.(pgx.QueryExecMode); isMode { // pgx's own option, not a parameter
			continue
		}
		if n++; n == 1 {
			b.Grow(len(sql) + 16*len(stmt.Args))
			b.WriteString(sql)
			b.WriteString("  [")
		} else {
			b.WriteByte(' ')
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
		b.WriteByte('=')
		writeArg(&b, a)
	}
	if n == 0 {
		return sql
	}
	b.WriteByte(']')
	return b.String()
}

// writeArg writes a as fmt's %v does, without fmt for the common kinds: a
// transcript line is made for every step.
func writeArg(b *strings.Builder, a any) {
	switch v := a.(type) {
	case string:
		b.WriteString(v)
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case int:
		b.WriteString(strconv.Itoa(v))
	case int32:
		b.WriteString(strconv.FormatInt(int64(v), 10))
	default:
		fmt.Fprint(b, v)
	}
}

// stepLine is a granted step's transcript line: the step number right
// aligned in four columns, as "%4d  %s: %s" would write it.
func stepLine(k int64, session, step string) string {
	num := strconv.FormatInt(k, 10)
	var b strings.Builder
	b.Grow(4 + 2 + len(session) + 2 + len(step))
	for range 4 - len(num) {
		b.WriteByte(' ')
	}
	b.WriteString(num)
	b.WriteString("  ")
	b.WriteString(session)
	b.WriteString(": ")
	b.WriteString(step)
	return b.String()
}

// maxOneLine bounds Engine.oneLine: a program that sends ever new SQL texts
// (values spelled into them) gets no help from it, and no unbounded growth.
const maxOneLine = 1024

// describeError is an error's line, as isolationtester writes it: the
// severity, two spaces, the primary message — and the SQLSTATE.
func describeError(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return fmt.Sprintf("%s:  %s (SQLSTATE %s)", pgErr.Severity, pgErr.Message, pgErr.Code)
	}
	return "error: " + err.Error()
}
