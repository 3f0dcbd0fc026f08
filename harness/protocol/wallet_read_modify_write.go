package protocol

import (
	"context"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/model"
)

func init() { Register(WalletReadModifyWrite{}) }

// WalletReadModifyWrite deposits by reading the balance into Go and writing
// back the sum it computed, in a READ COMMITTED transaction without a lock.
// Two concurrent deposits read the same balance and the second write wins:
// a lost update. The ledger still records both, so balances no longer add up
// to the deposits and disagree with the ledger.
type WalletReadModifyWrite struct{ Locking }

// Info implements Variant.
func (WalletReadModifyWrite) Info() Info {
	return Info{Name: "wallet-read-modify-write",
		Summary: "BUG: deposit reads the balance into Go and writes back balance+amount: concurrent deposits lose updates",
		Breaks:  []model.Guarantee{model.Linearizable, model.Conservation, model.LedgerAgreement}}
}

// Deposit implements Variant.
func (WalletReadModifyWrite) Deposit(ctx context.Context, conn *pgx.Conn, world int64, user string, amount int64) error {
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		balance, err := readBalance(ctx, tx, world, wallet(user))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE accounts SET balance = $4 WHERE world = $1 AND kind = $2 AND owner = $3",
			world, string(model.Wallet), user, balance+amount); err != nil {
			return err
		}
		return record(ctx, tx, world, "deposit", true, entry{wallet(user), amount})
	})
}
