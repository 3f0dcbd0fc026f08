package protocol

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

func init() { Register(AsyncWatermark{core{books: ledgerFirst{wait: true}}}) }

// AsyncWatermark keeps balances the way a background balance process should:
// writes go to the ledger only (their checks sum the ledger under a row
// lock), a background worker applies new entries to the balance column, and
// both writes and balance reads wait until the worker has completed a round
// that began after them — a watermark, polled, never a fixed sleep.
//
// Reads wait too, not only writes: if only writes waited, a read could see
// the cache before the worker applied a write that another client's check
// had already observed in the ledger, which is not linearizable.
type AsyncWatermark struct{ core }

// Info implements Variant.
func (AsyncWatermark) Info() Info {
	return Info{Name: "async-watermark", Summary: "ledger-first writes, balances applied by a background worker; writes and balance reads wait for the worker's watermark"}
}

// WorkOnce implements Worker: apply every committed, unapplied ledger entry.
func (AsyncWatermark) WorkOnce(ctx context.Context, conn *pgx.Conn) (bool, error) {
	return workRound(ctx, conn,
		`SELECT 1 FROM accounts a WHERE EXISTS (SELECT 1 FROM ledger l
			WHERE NOT l.applied AND l.world = a.world AND l.kind = a.kind AND l.owner = a.owner)
		ORDER BY world, kind DESC, owner FOR UPDATE`,
		`WITH batch AS (UPDATE ledger SET applied = true WHERE NOT applied RETURNING world, kind, owner, delta),
			sums AS (SELECT world, kind, owner, sum(delta) AS delta FROM batch GROUP BY world, kind, owner),
			applied AS (UPDATE accounts a SET balance = a.balance + s.delta FROM sums s
				WHERE a.world = s.world AND a.kind = s.kind AND a.owner = s.owner)
		UPDATE worker_state SET round = round + 1
		RETURNING (SELECT count(*) FROM batch)`)
}

// Interval implements Worker.
func (AsyncWatermark) Interval() time.Duration { return 2 * time.Millisecond }
