package protocol

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"jbcheck/model"
)

// books is how a variant keeps money: synchronously on the balance column,
// or ledger first with a background worker bringing the balance column up to
// date (ledgerFirst, in async.go).
type books interface {
	// debitIfCovered takes amount from account if its balance covers it,
	// and reports whether it did.
	debitIfCovered(ctx context.Context, q querier, world int64, account model.Account, amount int64, reason string) (bool, error)
	// post applies every entry unconditionally. Each account appears once.
	post(ctx context.Context, q querier, world int64, reason string, entries ...entry) error
	// settle returns once every write committed before it was called shows
	// in the balance column.
	settle(ctx context.Context, conn *pgx.Conn) error
	// schema is DDL the books need beyond schema.sql.
	schema() string
}

// synchronous books change the balance column and write the ledger entry in
// the same SQL statement, so balance and ledger agree at every instant. Each
// building block is one statement, which keeps a variant's statement count,
// and the scheduler's branching, small.
type synchronous struct{}

func (synchronous) settle(context.Context, *pgx.Conn) error { return nil }
func (synchronous) schema() string                          { return "" }

// querier is what a statement needs: a connection or a transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// entry is one line of a posting: an account and how much it changes by.
type entry struct {
	account model.Account
	delta   int64
}

// debitIfCovered is a conditional UPDATE (… WHERE balance >= $amount) that
// records its ledger entry in the same statement.
func (synchronous) debitIfCovered(ctx context.Context, q querier, world int64, account model.Account, amount int64, reason string) (bool, error) {
	tag, err := q.Exec(ctx, `WITH debited AS (
			UPDATE accounts SET balance = balance - $4
			WHERE world = $1 AND kind = $2 AND owner = $3 AND balance >= $4
			RETURNING world, kind, owner)
		INSERT INTO ledger (world, kind, owner, delta, reason)
		SELECT world, kind, owner, -$4, $5 FROM debited`,
		world, string(account.Kind), account.Owner, amount, reason)
	return tag.RowsAffected() == 1, err
}

// post updates every balance and records the entries, in one statement.
func (synchronous) post(ctx context.Context, q querier, world int64, reason string, entries ...entry) error {
	kinds, owners, deltas := columns(entries)
	_, err := q.Exec(ctx, `WITH e AS (SELECT * FROM unnest($2::text[], $3::text[], $4::bigint[]) AS e(kind, owner, delta)),
		applied AS (
			UPDATE accounts a SET balance = a.balance + e.delta FROM e
			WHERE a.world = $1 AND a.kind = e.kind AND a.owner = e.owner)
		INSERT INTO ledger (world, kind, owner, delta, reason) SELECT $1, kind, owner, delta, $5 FROM e`,
		world, kinds, owners, deltas, reason)
	return err
}

// record writes ledger entries without touching any balance; applied says
// whether the balances already show them.
func record(ctx context.Context, q querier, world int64, reason string, applied bool, entries ...entry) error {
	kinds, owners, deltas := columns(entries)
	_, err := q.Exec(ctx, `INSERT INTO ledger (world, kind, owner, delta, reason, applied)
		SELECT $1, * , $5, $6 FROM unnest($2::text[], $3::text[], $4::bigint[])`,
		world, kinds, owners, deltas, reason, applied)
	return err
}

// columns splits entries into the arrays that unnest() takes.
func columns(entries []entry) (kinds, owners []string, deltas []int64) {
	for _, e := range entries {
		kinds, owners, deltas = append(kinds, string(e.account.Kind)), append(owners, e.account.Owner), append(deltas, e.delta)
	}
	return kinds, owners, deltas
}

// readBalance reads the balance column of one account.
func readBalance(ctx context.Context, q querier, world int64, account model.Account) (int64, error) {
	var amount int64
	err := q.QueryRow(ctx, "SELECT balance FROM accounts WHERE world = $1 AND kind = $2 AND owner = $3",
		world, string(account.Kind), account.Owner).Scan(&amount)
	return amount, err
}

// readMembers reads a group's members, sorted.
func readMembers(ctx context.Context, q querier, world int64, group string) ([]string, error) {
	rows, _ := q.Query(ctx, "SELECT usr FROM memberships WHERE world = $1 AND grp = $2 ORDER BY usr", world, group)
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

func wallet(user string) model.Account { return model.Account{Kind: model.Wallet, Owner: user} }
func pot(group string) model.Account   { return model.Account{Kind: model.Pot, Owner: group} }
