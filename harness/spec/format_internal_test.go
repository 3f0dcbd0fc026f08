package spec

import (
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestSpecResultSetsPrintAsPQprint: libpq's PQprint with isolationtester's
// options, rule by rule.
func TestSpecResultSetsPrintAsPQprint(t *testing.T) {
	b := func(vals ...string) [][]byte {
		row := make([][]byte, len(vals))
		for i, v := range vals {
			if v != "<null>" {
				row[i] = []byte(v)
			}
		}
		return row
	}
	tests := []struct {
		name  string
		names []string
		rows  [][][]byte
		want  string
	}{
		{"numbers right, text left, trailing spaces kept", []string{"id", "v"},
			[][][]byte{b("1", "a"), b("2", "bbbbbb"), b("10", "")},
			"id|v     \n--+------\n 1|a     \n 2|bbbbbb\n10|      \n(3 rows)\n\n"},
		{"one row, a void column stays right-aligned", []string{"pg_advisory_lock"}, [][][]byte{b("")},
			"pg_advisory_lock\n----------------\n                \n(1 row)\n\n"},
		{"no rows", []string{"a", "bb"}, nil, "a|bb\n-+--\n(0 rows)\n\n"},
		{"no columns: nothing at all", nil, [][][]byte{{}}, ""},
		{"NULL prints as nothing and does not decide alignment", []string{"x"}, [][][]byte{b("<null>"), b("5")},
			"x\n-\n \n5\n(2 rows)\n\n"},
		{"1e5, -3 and 1 2 are numbers", []string{"n"}, [][][]byte{b("1e5"), b("-3"), b("1 2")},
			"  n\n---\n1e5\n -3\n1 2\n(3 rows)\n\n"},
		{"1. is text", []string{"n"}, [][][]byte{b("1"), b("1.")}, "n \n--\n1 \n1.\n(2 rows)\n\n"},
		{"E1 is text", []string{"n"}, [][][]byte{b("E1")}, "n \n--\nE1\n(1 row)\n\n"},
		{"t and f are text", []string{"ok"}, [][][]byte{b("t")}, "ok\n--\nt \n(1 row)\n\n"},
		{"widths are bytes", []string{"u"}, [][][]byte{b("é")}, "u \n--\né\n(1 row)\n\n"},
		{"newlines are printed raw", []string{"v", "w"}, [][][]byte{b("x\ny", "a")}, "v  |w\n---+-\nx\ny|a\n(1 row)\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sb strings.Builder
			writeResultSet(&sb, tt.names, tt.rows)
			if sb.String() != tt.want {
				t.Errorf("got\n%q\nwant\n%q", sb.String(), tt.want)
			}
		})
	}
}

// TestSpecErrorsAndNoticesPrintAsIsolationtester: a step's error shows its
// severity and primary message only; a notice, libpq's default text.
func TestSpecErrorsAndNoticesPrintAsIsolationtester(t *testing.T) {
	err := &pgconn.PgError{Severity: "ERROR", Code: "40P01", Message: "deadlock detected",
		Detail: "Process 1 waits for ShareLock on transaction 2; blocked by process 3.", Hint: "See server log for query details.",
		Where: "while updating tuple (0,1) in relation \"t\""}
	if got := errorLine(err); got != "ERROR:  deadlock detected\n" {
		t.Errorf("error line %q", got)
	}
	if got := errorLine(errors.New("conn closed")); got != "conn closed\n\n" {
		t.Errorf("a client error's line %q", got)
	}
	n := &pgconn.Notice{Severity: "WARNING", Message: "careful", Detail: "a detail", Hint: "a hint", Where: "PL/pgSQL function inline_code_block line 1 at RAISE"}
	if got := noticeText(n); got != "WARNING:  careful\nDETAIL:  a detail\nHINT:  a hint\n" {
		t.Errorf("notice %q (CONTEXT is shown for errors only)", got)
	}
	if got := fullError(err); !strings.HasSuffix(got, "CONTEXT:  while updating tuple (0,1) in relation \"t\"\n") {
		t.Errorf("a setup failure's message %q lacks its CONTEXT line", got)
	}
}
