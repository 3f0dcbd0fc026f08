package wire

import (
	"github.com/jackc/pgx/v5/pgproto3"
)

// cancelSQL fails as a cancelled statement fails: the server itself
// answers with 57014 and the transaction status that follows (a
// transaction block fails), so the client and the server agree.
const cancelSQL = "DO $$BEGIN RAISE EXCEPTION USING ERRCODE = 'query_canceled', MESSAGE = 'canceling statement due to user request'; END$$"

// answerCancel sends, in place of a held packet the client cancelled, a
// stand-in that fails with 57014, shaped like the packet so that the
// client reads the answer it expects: a Query for a Query, otherwise an
// extended-protocol execution ended like the packet (Sync or Flush) whose
// ParseComplete and BindComplete are not relayed.
func (c *conn) answerCancel(p packet) error {
	var msgs []byte
	syncs := 1
	if p.end == 'Q' || p.end == 'F' {
		msgs, _ = (&pgproto3.Query{String: cancelSQL}).Encode(nil)
	} else {
		msgs, _ = (&pgproto3.Parse{Query: cancelSQL}).Encode(nil)
		msgs, _ = (&pgproto3.Bind{}).Encode(msgs)
		msgs, _ = (&pgproto3.Execute{}).Encode(msgs)
		if p.end == 'S' {
			msgs, _ = (&pgproto3.Sync{}).Encode(msgs)
		} else {
			msgs, _ = (&pgproto3.Flush{}).Encode(msgs)
			syncs = 0
		}
		c.suppress.Add(2)
	}
	return c.write(msgs, syncs)
}
