package protocol

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"jbcheck.dev/jbcheck/model"
)

// books is how a variant keeps money: synchronously on the balance column,
// or ledger first with a background worker bringing the balance column up to
// date (ledgerFirst, in async.go).
type books interface {
	// payIfCovered moves amount from one account to another if the first
	// one's balance covers it — and then, with join non-nil, stores that
	// membership in the same statement — and reports whether it paid.
	payIfCovered(ctx context.Context, q querier, world int64, from, to model.Account, amount int64, reason string, join *membership) (bool, error)
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

// payIfCovered is one statement: a conditional debit (… WHERE balance >=
// $amount), the credit only if the debit happened, both ledger entries, and
// the membership a join pays for. The debit locks the payer's row first, then
// the credit the payee's: wallets before pots, the lock order of the whole
// protocol.
func (synchronous) payIfCovered(ctx context.Context, q querier, world int64, from, to model.Account, amount int64, reason string, join *membership) (bool, error) {
	joinSQL, args := join.insert(world, from, to, amount, reason)
	tag, err := q.Exec(ctx, `WITH debited AS (
			UPDATE accounts SET balance = balance - $4
			WHERE world = $1 AND kind = $2 AND owner = $3 AND balance >= $4
			RETURNING world),
		credited AS (
			UPDATE accounts SET balance = balance + $4
			WHERE world = $1 AND kind = $5 AND owner = $6 AND EXISTS (SELECT 1 FROM debited))`+joinSQL+`
		INSERT INTO ledger (world, kind, owner, delta, reason)
		SELECT $1, e.kind, e.owner, e.delta, $7
		FROM debited, (VALUES ($2, $3, -$4::bigint), ($5, $6, $4::bigint)) AS e(kind, owner, delta)`, args...)
	return tag.RowsAffected() == 2, err
}

// membership is a membership stored by the statement that pays for it.
type membership struct{ group, user string }

// insert is the CTE that stores m once the payment went through (a CTE named
// debited, in the statement it joins), and the statement's arguments: $1–$7
// are the payment's (world, from, amount, to, reason), $8 and $9 the
// membership's.
func (m *membership) insert(world int64, from, to model.Account, amount int64, reason string) (string, []any) {
	args := []any{world, string(from.Kind), from.Owner, amount, string(to.Kind), to.Owner, reason}
	if m == nil {
		return "", args
	}
	return `,
		joined AS (INSERT INTO memberships (world, grp, usr) SELECT $1, $8, $9 FROM debited)`, append(args, m.group, m.user)
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
