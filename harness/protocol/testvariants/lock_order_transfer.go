package testvariants

import (
	"context"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/model"
)

func init() { protocol.Register(lockOrderTransfer{}) }

// lockOrderTransfer is locking whose transfer locks the sender's wallet,
// then the receiver's — not in a fixed order — and does not retry. Two
// opposite transfers can deadlock: PostgreSQL aborts one (40P01), which
// the caller sees as a failed call that did nothing. Every guarantee holds.
type lockOrderTransfer struct{ protocol.Locking }

func (lockOrderTransfer) Info() protocol.Info {
	return protocol.Info{Name: "test-lock-order-transfer",
		Summary: "test: a transfer locks sender then receiver and does not retry, so opposite transfers can deadlock"}
}

const lockWallet = `SELECT balance FROM accounts WHERE world = $1 AND kind = 'wallet' AND owner = $2 FOR UPDATE`

func (lockOrderTransfer) Transfer(ctx context.Context, conn *pgx.Conn, world int64, from, to string, amount int64) (model.Result, error) {
	result := model.OK
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		var balance, ignored int64
		if err := tx.QueryRow(ctx, lockWallet, world, from).Scan(&balance); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, lockWallet, world, to).Scan(&ignored); err != nil {
			return err
		}
		if balance < amount {
			result = model.InsufficientFunds
			return nil
		}
		if _, err := tx.Exec(ctx, move, world, from, -amount); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, move, world, to, amount)
		return err
	})
	return result, err
}
