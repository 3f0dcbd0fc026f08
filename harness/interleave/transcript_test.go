package interleave

import (
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestTranscriptLinesAreFmts: a step's line, made without fmt for speed,
// is the one fmt's verbs make — numbers right-aligned in four columns, every
// kind of argument as %v writes it, pgx's options left out.
func TestTranscriptLinesAreFmts(t *testing.T) {
	for _, k := range []int64{1, 12, 999, 1000, 123456} {
		if got, want := stepLine(k, "c1", "COMMIT"), fmt.Sprintf("%4d  %s: %s", k, "c1", "COMMIT"); got != want {
			t.Errorf("step %d: %q, want %q", k, got, want)
		}
	}
	e := &Engine{oneLine: map[string]string{}}
	args := []any{pgx.QueryExecModeSimpleProtocol, "u0", int64(-7), 3, int32(4), true, []string{"a", "b"}, nil, 2.5}
	var want []string
	for _, a := range args[1:] {
		want = append(want, fmt.Sprintf("$%d=%v", len(want)+1, a))
	}
	got := e.describe(event{stmt: Statement{SQL: "SELECT\n  $1", Args: args}})
	if w := "SELECT $1  [" + strings.Join(want, " ") + "]"; got != w {
		t.Errorf("describe: %q, want %q", got, w)
	}
	if got := e.describe(event{stmt: Statement{SQL: "BEGIN", Args: []any{pgx.QueryExecModeExec}}}); got != "BEGIN" {
		t.Errorf("describe without parameters: %q", got)
	}
}
