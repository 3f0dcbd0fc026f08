package protocol

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/model"
)

func init() {
	Register(BalanceAsyncRecompute{core{books: ledgerFirst{wait: false}}})
}

// BalanceAsyncRecompute is the second flaky test's server: writes go to the
// ledger only, and a background worker recomputes every balance from the
// ledger every so often (50 ms by default). Balance reads come straight from
// the balance column, so a read that starts after a write returned can still
// see the old balance — the stale read the test tried to sleep away.
// Balances agree with the ledger (I5) only once the worker catches up.
type BalanceAsyncRecompute struct{ core }

// Info implements Variant.
func (BalanceAsyncRecompute) Info() Info {
	return Info{Name: "balance-async-recompute",
		Summary: "BUG: a background worker recomputes balances from the ledger every so often; reads come from the balance column and may be stale",
		Breaks:  []model.Guarantee{model.Linearizable}}
}

// WorkOnce implements Worker: in every world with new ledger entries, set
// every balance that differs from its ledger sum to that sum, and mark the
// entries seen. Only worlds with new entries are summed: harness sessions
// create thousands of worlds, and summing the whole ledger every round made
// each schedule slower than the last (74 s to shrink a history that took 7 s
// at first).
func (BalanceAsyncRecompute) WorkOnce(ctx context.Context, conn *pgx.Conn) (bool, error) {
	const sums = `SELECT world, kind, owner, sum(delta) AS total FROM ledger
		WHERE world IN (SELECT world FROM ledger WHERE NOT applied) GROUP BY world, kind, owner`
	return workRound(ctx, conn,
		`SELECT 1 FROM accounts a JOIN (`+sums+`) s USING (world, kind, owner)
		WHERE a.balance <> s.total ORDER BY a.world, a.kind DESC, a.owner FOR UPDATE OF a`,
		`WITH s AS (`+sums+`),
			fixed AS (UPDATE accounts a SET balance = s.total FROM s
				WHERE a.world = s.world AND a.kind = s.kind AND a.owner = s.owner AND a.balance <> s.total RETURNING 1),
			seen AS (UPDATE ledger SET applied = true WHERE NOT applied)
		UPDATE worker_state SET round = round + 1
		RETURNING (SELECT count(*) FROM fixed)`)
}

func (BalanceAsyncRecompute) Interval() time.Duration { return 50 * time.Millisecond }
