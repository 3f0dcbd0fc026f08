package protocol

import (
	"context"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/model"
)

func init() { Register(JoinFeeOutsideTx{}) }

// JoinFeeOutsideTx joins in two autocommit statements: first the membership
// (inserted only if the user is not a member, the group has a seat and the
// wallet covers the fee), then the fee, moved from the wallet to the pot.
// Cut off between the two — a crash, a killed session — it leaves a member
// who never paid: a half-done call (A) and a pot that no longer matches its
// members (I6). Without a lock, two joins can also both take the last seat
// or both find the fee covered.
type JoinFeeOutsideTx struct{ Locking }

// Info implements Variant.
func (JoinFeeOutsideTx) Info() Info {
	return Info{Name: "join-fee-outside-tx",
		Summary:   "BUG: join inserts the membership and debits the fee in two autocommit statements: a fault between them leaves a member who never paid",
		FaultOnly: true,
		Breaks:    []model.Guarantee{model.Atomicity, model.PotConsistency, model.Linearizable, model.Capacity, model.NoOverdraft}}
}

// Join implements Variant.
func (JoinFeeOutsideTx) Join(ctx context.Context, conn *pgx.Conn, world int64, user, group string) (model.Result, error) {
	var fee int64
	var member, full, covered bool
	err := conn.QueryRow(ctx, `WITH g AS (SELECT capacity, fee FROM groups WHERE world = $1 AND name = $2),
			s AS (SELECT EXISTS (SELECT 1 FROM memberships WHERE world = $1 AND grp = $2 AND usr = $3) AS member,
				(SELECT count(*) FROM memberships WHERE world = $1 AND grp = $2) >= (SELECT capacity FROM g) AS is_full,
				(SELECT balance FROM accounts WHERE world = $1 AND kind = 'wallet' AND owner = $3) >= (SELECT fee FROM g) AS covered),
			ins AS (INSERT INTO memberships (world, grp, usr) SELECT $1, $2, $3 FROM s WHERE NOT member AND NOT is_full AND covered)
		SELECT (SELECT fee FROM g), member, is_full, covered FROM s`, world, group, user).Scan(&fee, &member, &full, &covered)
	switch {
	case err != nil:
		return "", err
	case member:
		return model.AlreadyMember, nil
	case full:
		return model.Full, nil
	case !covered:
		return model.InsufficientFunds, nil
	}
	// The second statement: a fault before it leaves the member unpaid.
	return model.Joined, synchronous{}.post(ctx, conn, world, "join", entry{wallet(user), -fee}, entry{pot(group), fee})
}
