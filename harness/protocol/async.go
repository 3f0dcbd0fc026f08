package protocol

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/model"
)

// Worker is implemented by variants that keep a background process. The
// stress runner calls WorkOnce on a connection of its own, Interval apart;
// the scheduler runs it as one more client.
type Worker interface {
	// WorkOnce does one round of background work and reports whether it
	// changed anything.
	WorkOnce(ctx context.Context, conn *pgx.Conn) (progressed bool, err error)
	// Interval is the pause between rounds in stress mode.
	Interval() time.Duration
}

// Lagging reports a variant whose balances a background worker updates:
// they lag behind its ledger until the worker catches up.
func Lagging(v Variant) bool {
	_, ok := v.(Worker)
	return ok
}

// Quiesce returns once v's background worker, if it has one, has caught up
// with every write committed before the call: the moment to audit balances.
// The worker must be running.
func Quiesce(ctx context.Context, v Variant, conn *pgx.Conn) error {
	if _, ok := v.(Worker); !ok {
		return nil
	}
	return awaitRounds(ctx, conn)
}

// PollMarker starts every SQL statement that only polls for a condition. The
// scheduler treats a client whose poll saw no change as waiting for others.
const PollMarker = "/* jbcheck:poll */ "

// ledgerFirst books write only the ledger; a background worker moves the
// entries into the balance column. The ledger is the truth, so checks sum it
// under a lock on the account's row; the balance column is a cache that lags
// until the worker catches up.
type ledgerFirst struct {
	// wait makes writes, and reads of a balance, return only once the
	// worker has caught up with everything committed before they began.
	wait bool
}

func (ledgerFirst) schema() string {
	return `CREATE TABLE IF NOT EXISTS worker_state (
			id    int    PRIMARY KEY CHECK (id = 1),
			round bigint NOT NULL -- rounds completed: the worker's watermark
		);
		INSERT INTO worker_state VALUES (1, 0) ON CONFLICT DO NOTHING;`
}

func (ledgerFirst) payIfCovered(ctx context.Context, q querier, world int64, from, to model.Account, amount int64, reason string, join *membership) (bool, error) {
	// The row lock serializes checks on one account (a no-op when the
	// transaction holds it already); the sum is read by a later statement,
	// so it sees every entry committed before the lock was granted.
	if _, err := q.Exec(ctx, "SELECT 1 FROM accounts WHERE world = $1 AND kind = $2 AND owner = $3 FOR UPDATE",
		world, string(from.Kind), from.Owner); err != nil {
		return false, err
	}
	joinSQL, args := join.insert(world, from, to, amount, reason)
	tag, err := q.Exec(ctx, `WITH debited AS (
			SELECT $1::bigint AS world
			WHERE (SELECT coalesce(sum(delta), 0) FROM ledger WHERE world = $1 AND kind = $2 AND owner = $3) >= $4::bigint)`+joinSQL+`
		INSERT INTO ledger (world, kind, owner, delta, reason, applied)
		SELECT $1, e.kind, e.owner, e.delta, $7, false
		FROM debited, (VALUES ($2, $3, -$4::bigint), ($5, $6, $4::bigint)) AS e(kind, owner, delta)`, args...)
	return tag.RowsAffected() == 2, err
}

func (ledgerFirst) post(ctx context.Context, q querier, world int64, reason string, entries ...entry) error {
	return record(ctx, q, world, reason, false, entries...)
}

func (l ledgerFirst) settle(ctx context.Context, conn *pgx.Conn) error {
	if !l.wait {
		return nil
	}
	return awaitRounds(ctx, conn)
}

// awaitRounds polls the worker's watermark until two more rounds have
// completed: the first may have taken its snapshot before our last commit,
// the second cannot have. Comparing ledger ids would not do: ids are handed
// out at insert, not at commit, so a smaller id can commit later.
func awaitRounds(ctx context.Context, conn *pgx.Conn) error {
	const poll = PollMarker + "SELECT round FROM worker_state"
	var start, round int64
	err := conn.QueryRow(ctx, poll).Scan(&start)
	if errors.Is(err, pgx.ErrNoRows) {
		return errNoWorkerState
	}
	if err != nil {
		return err
	}
	for round < start+2 {
		Sleep(ctx, time.Millisecond)
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := conn.QueryRow(ctx, poll).Scan(&round); err != nil {
			return err
		}
	}
	return nil
}

// workRound runs one worker round in a REPEATABLE READ transaction: first
// lock the accounts it will change, in the order clients lock them — by
// world, wallets before pots, by name — so worker and clients cannot
// deadlock; then apply,
// in one statement that returns how many rows it changed. Both statements
// see the same snapshot. A round that loses a serialization race changes
// nothing and is simply run again later.
func workRound(ctx context.Context, conn *pgx.Conn, lockSQL, applySQL string) (bool, error) {
	var changed int64
	err := inTransaction(ctx, conn, pgx.TxOptions{IsoLevel: pgx.RepeatableRead}, func(tx querier) error {
		if _, err := tx.Exec(ctx, lockSQL); err != nil {
			return err
		}
		return tx.QueryRow(ctx, applySQL).Scan(&changed)
	})
	if Retryable(err) {
		return false, nil
	}
	return changed > 0, err
}

// errNoWorkerState reports a variant schema without its worker_state row.
var errNoWorkerState = errors.New("worker_state has no row: was the variant installed?")

// RunWorker runs w's rounds on conn until ctx ends: back to back while they
// make progress, interval apart when idle (w.Interval() when interval is 0).
// It returns the first error that is not the end of ctx.
func RunWorker(ctx context.Context, w Worker, conn *pgx.Conn, interval time.Duration) error {
	if interval == 0 {
		interval = w.Interval()
	}
	for ctx.Err() == nil {
		progressed, err := w.WorkOnce(ctx, conn)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("background worker: %w", err)
		}
		if !progressed {
			Sleep(ctx, interval)
		}
	}
	return nil
}
