package spec

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// writeResultSet writes a result set as libpq's PQprint does with
// isolationtester's options (header, align, "|" between fields): nothing
// for a result without columns; otherwise the header, a border of dashes,
// one line per row and "(N rows)" with an empty line after it. Widths are
// in bytes. A column is right-aligned unless one of its non-empty values
// has a character outside [0-9.Ee -], starts with E or e, or does not end
// in a digit. NULL and the empty string print alike, as nothing.
func writeResultSet(b *strings.Builder, names []string, rows [][][]byte) {
	n := len(names)
	if n == 0 {
		return
	}
	width := make([]int, n)
	text := make([]bool, n) // PQprint's fieldNotNum
	for j, name := range names {
		width[j] = len(name)
	}
	for _, row := range rows {
		for j := range n {
			v := row[j]
			if len(v) == 0 {
				continue
			}
			if !text[j] {
				text[j] = !looksNumeric(v)
			}
			width[j] = max(width[j], len(v))
		}
	}
	pad := func(j int, s string) {
		if text[j] {
			b.WriteString(s)
			b.WriteString(strings.Repeat(" ", width[j]-len(s)))
		} else {
			b.WriteString(strings.Repeat(" ", width[j]-len(s)))
			b.WriteString(s)
		}
	}
	for j, name := range names {
		if j > 0 {
			b.WriteByte('|')
		}
		pad(j, name)
	}
	b.WriteByte('\n')
	for j := range n {
		if j > 0 {
			b.WriteByte('+')
		}
		b.WriteString(strings.Repeat("-", width[j]))
	}
	b.WriteByte('\n')
	for _, row := range rows {
		for j := range n {
			if j > 0 {
				b.WriteByte('|')
			}
			pad(j, string(row[j]))
		}
		b.WriteByte('\n')
	}
	plural := "s"
	if len(rows) == 1 {
		plural = ""
	}
	fmt.Fprintf(b, "(%d row%s)\n\n", len(rows), plural)
}

// looksNumeric is PQprint's test for a right-aligned value: only digits,
// ".", "E", "e", " " and "-", not starting with E or e, ending in a digit.
// Any byte of a multibyte character is not a digit, which is what stepping
// through the value character by character finds too.
func looksNumeric(v []byte) bool {
	if v[0] == 'E' || v[0] == 'e' {
		return false
	}
	for _, c := range v {
		if !(c >= '0' && c <= '9' || c == '.' || c == 'E' || c == 'e' || c == ' ' || c == '-') {
			return false
		}
	}
	last := v[len(v)-1]
	return last >= '0' && last <= '9'
}

// errorLine is how isolationtester prints a step's error: the severity, two
// spaces and the primary message only (details may hold transaction ids).
func errorLine(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return fmt.Sprintf("%s:  %s\n", pgErr.Severity, pgErr.Message)
	}
	// An error of the client, not the server: libpq writes its own message,
	// which ends in a newline, and isolationtester adds one.
	return err.Error() + "\n\n"
}

// fullError is an error as libpq's PQerrorMessage writes it at its default
// verbosity (the severity, the message, DETAIL, HINT, QUERY and CONTEXT
// lines), for setup failures.
func fullError(err error) string {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err.Error() + "\n"
	}
	return messageText(pgErr.Severity, pgErr.Message, pgErr.Detail, pgErr.Hint, pgErr.InternalQuery, pgErr.Where)
}

// noticeText is a notice as libpq hands it to a notice processor: its
// default verbosity, which shows CONTEXT for errors only.
func noticeText(n *pgconn.Notice) string {
	return messageText(n.Severity, n.Message, n.Detail, n.Hint, n.InternalQuery, "")
}

// messageText is libpq's pqBuildErrorMessage3 at the default verbosity,
// without the "LINE n:" display of an error position (it is not shown).
func messageText(severity, message, detail, hint, query, context string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:  %s\n", severity, message)
	if detail != "" {
		fmt.Fprintf(&b, "DETAIL:  %s\n", detail)
	}
	if hint != "" {
		fmt.Fprintf(&b, "HINT:  %s\n", hint)
	}
	if query != "" {
		fmt.Fprintf(&b, "QUERY:  %s\n", query)
	}
	if context != "" {
		fmt.Fprintf(&b, "CONTEXT:  %s\n", context)
	}
	return b.String()
}
