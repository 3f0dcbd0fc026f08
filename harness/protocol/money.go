package protocol

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"jbcheck/model"
)

// The building blocks the variants share. Each is one SQL statement, so a
// variant's statement count (and the scheduler's branching) stays small, and
// each keeps a balance and its ledger entry in the same statement.

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

// debitIfCovered takes amount from account only if the balance covers it,
// and records the ledger entry in the same statement. It reports whether the
// debit happened.
func debitIfCovered(ctx context.Context, q querier, world int64, account model.Account, amount int64, reason string) (bool, error) {
	tag, err := q.Exec(ctx, `WITH debited AS (
			UPDATE accounts SET balance = balance - $4
			WHERE world = $1 AND kind = $2 AND owner = $3 AND balance >= $4
			RETURNING world, kind, owner)
		INSERT INTO ledger (world, kind, owner, delta, reason)
		SELECT world, kind, owner, -$4, $5 FROM debited`,
		world, string(account.Kind), account.Owner, amount, reason)
	return tag.RowsAffected() == 1, err
}

// post applies every entry to its account's balance, unconditionally, and
// records them in the ledger, in one statement. Each account appears once.
func post(ctx context.Context, q querier, world int64, reason string, entries ...entry) error {
	kinds, owners, deltas := make([]string, len(entries)), make([]string, len(entries)), make([]int64, len(entries))
	for i, e := range entries {
		kinds[i], owners[i], deltas[i] = string(e.account.Kind), e.account.Owner, e.delta
	}
	_, err := q.Exec(ctx, `WITH e AS (SELECT * FROM unnest($2::text[], $3::text[], $4::bigint[]) AS e(kind, owner, delta)),
		applied AS (
			UPDATE accounts a SET balance = a.balance + e.delta FROM e
			WHERE a.world = $1 AND a.kind = e.kind AND a.owner = e.owner)
		INSERT INTO ledger (world, kind, owner, delta, reason) SELECT $1, kind, owner, delta, $5 FROM e`,
		world, kinds, owners, deltas, reason)
	return err
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
