package wire

import (
	"encoding/hex"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// track follows the prepared statements a packet parses and closes, and,
// when describe is set, returns the text and arguments of what it runs.
func (c *conn) track(msgs []byte, describe bool) (string, []any) {
	var sqls []string
	var args []any
	bound := ""
	frames(msgs, func(typ byte, body []byte) {
		switch typ {
		case 'P':
			var m pgproto3.Parse
			if m.Decode(body) == nil {
				c.stmts[m.Name] = m.Query
			}
		case 'C':
			if len(body) > 1 && body[0] == 'S' {
				delete(c.stmts, cstring(body[1:]))
			}
		case 'B':
			var m pgproto3.Bind
			if describe && m.Decode(body) == nil {
				bound = c.stmts[m.PreparedStatement]
				args = bindArgs(&m)
			}
		case 'E':
			sqls = append(sqls, bound)
		case 'Q':
			sqls = append(sqls, cstring(body))
		case 'F':
			sqls = append(sqls, "(a function call)")
		}
	})
	return strings.Join(sqls, "; "), args
}

// bindArgs are a Bind's parameters, as Batch.Args shows them.
func bindArgs(m *pgproto3.Bind) []any {
	args := make([]any, len(m.Parameters))
	for i, v := range m.Parameters {
		format := int16(0)
		switch len(m.ParameterFormatCodes) {
		case 0:
		case 1:
			format = m.ParameterFormatCodes[0]
		default:
			if i < len(m.ParameterFormatCodes) {
				format = m.ParameterFormatCodes[i]
			}
		}
		switch {
		case v == nil:
		case format == 0:
			args[i] = string(v)
		default:
			args[i] = `\x` + hex.EncodeToString(v)
		}
	}
	return args
}

// pgError decodes a server's ErrorResponse.
func pgError(body []byte) error {
	var m pgproto3.ErrorResponse
	if err := m.Decode(body); err != nil {
		return err
	}
	return &pgconn.PgError{Severity: m.Severity, SeverityUnlocalized: m.SeverityUnlocalized, Code: m.Code, Message: m.Message,
		Detail: m.Detail, Hint: m.Hint, Position: m.Position, InternalPosition: m.InternalPosition,
		InternalQuery: m.InternalQuery, Where: m.Where, SchemaName: m.SchemaName, TableName: m.TableName,
		ColumnName: m.ColumnName, DataTypeName: m.DataTypeName, ConstraintName: m.ConstraintName,
		File: m.File, Line: m.Line, Routine: m.Routine}
}
