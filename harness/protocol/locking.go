package protocol

import (
	"context"

	"github.com/jackc/pgx/v5"

	"jbcheck/model"
)

func init() { Register(Locking{}) }

// Locking is the reference implementation: every write is one READ COMMITTED
// transaction that first locks what its checks depend on, so the checks and
// the writes they guard cannot interleave with another client's.
//
//   - join and leave lock the group row (SELECT … FOR UPDATE): membership and
//     member count cannot change under them; a unique index backs I1 anyway.
//   - transfer locks both wallets in name order, so two opposite transfers
//     cannot deadlock.
//   - every debit is conditional (… WHERE balance >= $amount), and every
//     balance change writes its ledger entry in the same statement.
//
// Bug variants embed Locking and replace the one operation they get wrong.
type Locking struct{}

// Info implements Variant.
func (Locking) Info() Info {
	return Info{Name: "locking", Summary: "one transaction per write; SELECT … FOR UPDATE on the group (and on wallets in name order) serializes the checks; conditional debits; a unique index on memberships"}
}

// Schema implements Variant: the shared schema as it is.
func (Locking) Schema() string { return "" }

// Join implements Variant.
func (Locking) Join(ctx context.Context, conn *pgx.Conn, world int64, user, group string) (model.Result, error) {
	var result model.Result
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		capacity, fee, err := lockGroup(ctx, tx, world, group)
		if err != nil {
			return err
		}
		var member bool
		var count int
		if err := tx.QueryRow(ctx, `SELECT
				EXISTS (SELECT 1 FROM memberships WHERE world = $1 AND grp = $2 AND usr = $3),
				(SELECT count(*) FROM memberships WHERE world = $1 AND grp = $2)`,
			world, group, user).Scan(&member, &count); err != nil {
			return err
		}
		switch {
		case member:
			result = model.AlreadyMember
			return nil
		case count >= capacity:
			result = model.Full
			return nil
		}
		paid, err := debitIfCovered(ctx, tx, world, wallet(user), fee, "join")
		if err != nil || !paid {
			result = model.InsufficientFunds
			return err
		}
		result = model.Joined
		return addMember(ctx, tx, world, user, group, fee)
	})
	return result, err
}

// lockGroup locks a group's row for the rest of the transaction and reads its
// capacity and fee.
func lockGroup(ctx context.Context, tx pgx.Tx, world int64, group string) (capacity int, fee int64, err error) {
	err = tx.QueryRow(ctx, "SELECT capacity, fee FROM groups WHERE world = $1 AND name = $2 FOR UPDATE",
		world, group).Scan(&capacity, &fee)
	return capacity, fee, err
}

// addMember stores the membership and credits the already-debited fee to
// the group's pot.
func addMember(ctx context.Context, tx pgx.Tx, world int64, user, group string, fee int64) error {
	if _, err := tx.Exec(ctx, "INSERT INTO memberships (world, grp, usr) VALUES ($1, $2, $3)", world, group, user); err != nil {
		return err
	}
	return post(ctx, tx, world, "join", entry{pot(group), fee})
}

// Leave implements Variant.
func (Locking) Leave(ctx context.Context, conn *pgx.Conn, world int64, user, group string) (model.Result, error) {
	var result model.Result
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		_, fee, err := lockGroup(ctx, tx, world, group)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, "DELETE FROM memberships WHERE world = $1 AND grp = $2 AND usr = $3", world, group, user)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			result = model.NotMember
			return nil
		}
		result = model.Left
		return post(ctx, tx, world, "leave", entry{pot(group), -fee}, entry{wallet(user), fee})
	})
	return result, err
}

// Deposit implements Variant: one statement, atomic on its own.
func (Locking) Deposit(ctx context.Context, conn *pgx.Conn, world int64, user string, amount int64) error {
	return post(ctx, conn, world, "deposit", entry{wallet(user), amount})
}

// Transfer implements Variant.
func (Locking) Transfer(ctx context.Context, conn *pgx.Conn, world int64, from, to string, amount int64) (model.Result, error) {
	var result model.Result
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM accounts WHERE world = $1 AND kind = 'wallet' AND owner IN ($2, $3)
			ORDER BY owner FOR UPDATE`, world, from, to); err != nil {
			return err
		}
		paid, err := debitIfCovered(ctx, tx, world, wallet(from), amount, "transfer")
		if err != nil || !paid {
			result = model.InsufficientFunds
			return err
		}
		result = model.OK
		return post(ctx, tx, world, "transfer", entry{wallet(to), amount})
	})
	return result, err
}

// Balance implements Variant.
func (Locking) Balance(ctx context.Context, conn *pgx.Conn, world int64, account model.Account) (int64, error) {
	return readBalance(ctx, conn, world, account)
}

// Members implements Variant.
func (Locking) Members(ctx context.Context, conn *pgx.Conn, world int64, group string) ([]string, error) {
	return readMembers(ctx, conn, world, group)
}
