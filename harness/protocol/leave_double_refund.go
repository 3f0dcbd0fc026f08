package protocol

import (
	"context"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/model"
)

func init() { Register(LeaveDoubleRefund{}) }

// LeaveDoubleRefund checks membership, deletes it, and refunds the fee —
// without looking at how many rows the DELETE removed, and without locking
// the group. Two concurrent leaves by one member both pass the check; the
// second DELETE removes nothing, but both refund: money is created (the pot
// pays only what it holds, the wallet is credited every time).
type LeaveDoubleRefund struct{ Locking }

// Info implements Variant.
func (LeaveDoubleRefund) Info() Info {
	return Info{Name: "leave-double-refund",
		Summary: "BUG: leave refunds the fee without checking that its DELETE removed a row: concurrent leaves refund twice",
		Breaks:  []model.Guarantee{model.Linearizable, model.Conservation, model.PotConsistency}}
}

// Leave implements Variant.
func (LeaveDoubleRefund) Leave(ctx context.Context, conn *pgx.Conn, world int64, user, group string) (model.Result, error) {
	result := model.NotMember
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		var fee int64
		var member bool
		if err := tx.QueryRow(ctx, `SELECT fee, EXISTS (SELECT 1 FROM memberships WHERE world = $1 AND grp = $2 AND usr = $3)
			FROM groups WHERE world = $1 AND name = $2`, world, group, user).Scan(&fee, &member); err != nil || !member {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM memberships WHERE world = $1 AND grp = $2 AND usr = $3", world, group, user); err != nil {
			return err
		}
		result = model.Left
		if err := (synchronous{}).post(ctx, tx, world, "leave", entry{wallet(user), fee}); err != nil {
			return err
		}
		// The pot pays back only what it holds.
		_, err := tx.Exec(ctx, `WITH debited AS (
				UPDATE accounts SET balance = balance - $3 WHERE world = $1 AND kind = 'pot' AND owner = $2 AND balance >= $3
				RETURNING world)
			INSERT INTO ledger (world, kind, owner, delta, reason) SELECT $1, 'pot', $2, -$3::bigint, 'leave' FROM debited`,
			world, group, fee)
		return err
	})
	return result, err
}
