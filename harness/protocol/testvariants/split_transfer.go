package testvariants

import (
	"context"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/model"
)

func init() { protocol.Register(splitTransfer{}) }

// splitTransfer is locking whose transfer moves money in two autocommit
// statements: the debit, then the credit. Between the two the money is in
// neither wallet — conservation (I4) is broken for a moment that only an
// audit between the two statements can see; every final state is right.
type splitTransfer struct{ protocol.Locking }

func (splitTransfer) Info() protocol.Info {
	return protocol.Info{Name: "test-split-transfer",
		Summary: "BUG (test): a transfer debits and credits in two autocommit statements, so money vanishes between them",
		Breaks:  []model.Guarantee{model.Conservation}}
}

// move changes one wallet and writes its ledger entry, in one statement;
// with a guard, only if the wallet covers a debit.
const move = `WITH m AS (
		UPDATE accounts SET balance = balance + $3 WHERE world = $1 AND kind = 'wallet' AND owner = $2 AND balance + $3 >= 0
		RETURNING 1)
	INSERT INTO ledger (world, kind, owner, delta, reason) SELECT $1, 'wallet', $2, $3, 'transfer' FROM m`

func (splitTransfer) Transfer(ctx context.Context, conn *pgx.Conn, world int64, from, to string, amount int64) (model.Result, error) {
	tag, err := conn.Exec(ctx, move, world, from, -amount)
	if err != nil {
		return "", err
	}
	if tag.RowsAffected() == 0 {
		return model.InsufficientFunds, nil
	}
	if _, err := conn.Exec(ctx, move, world, to, amount); err != nil {
		return "", err
	}
	return model.OK, nil
}
