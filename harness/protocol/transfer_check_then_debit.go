package protocol

import (
	"context"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/model"
)

func init() { Register(TransferCheckThenDebit{}) }

// TransferCheckThenDebit reads the source balance, and if it covers the
// amount, debits it unconditionally — without locking the wallet. Two
// concurrent transfers from one wallet both see enough money and both debit:
// an overdraft.
type TransferCheckThenDebit struct{ Locking }

// Info implements Variant.
func (TransferCheckThenDebit) Info() Info {
	return Info{Name: "transfer-check-then-debit",
		Summary: "BUG: transfer checks the balance, then debits unconditionally, without a lock: concurrent transfers overdraw",
		Breaks:  []model.Guarantee{model.Linearizable, model.NoOverdraft}}
}

// Transfer implements Variant.
func (TransferCheckThenDebit) Transfer(ctx context.Context, conn *pgx.Conn, world int64, from, to string, amount int64) (model.Result, error) {
	result := model.InsufficientFunds
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		balance, err := readBalance(ctx, tx, world, wallet(from))
		if err != nil || balance < amount {
			return err
		}
		result = model.OK
		return synchronous{}.post(ctx, tx, world, "transfer", entry{wallet(from), -amount}, entry{wallet(to), amount})
	})
	return result, err
}
