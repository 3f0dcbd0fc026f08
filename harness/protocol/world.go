package protocol

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"jbcheck/model"
)

// CreateWorld stores a fresh world described by spec and returns its id.
// Fresh world ids are how runs are isolated from each other in one database:
// no operation crosses worlds.
func CreateWorld(ctx context.Context, conn *pgx.Conn, spec model.World) (int64, error) {
	if err := spec.Validate(); err != nil {
		return 0, err
	}
	var kinds, owners []string
	var opening []int64
	for _, u := range spec.Users {
		kinds, owners, opening = append(kinds, string(model.Wallet)), append(owners, u.Name), append(opening, u.Opening)
	}
	var names []string
	var capacities []int32
	var fees []int64
	for _, g := range spec.Groups {
		kinds, owners, opening = append(kinds, string(model.Pot)), append(owners, g.Name), append(opening, 0)
		names, capacities, fees = append(names, g.Name), append(capacities, int32(g.Capacity)), append(fees, g.Fee)
	}
	var world int64
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, "INSERT INTO worlds DEFAULT VALUES RETURNING id").Scan(&world); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO accounts (world, kind, owner, balance)
			SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[])`, world, kinds, owners, opening); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO groups (world, name, capacity, fee)
			SELECT $1, * FROM unnest($2::text[], $3::int[], $4::bigint[])`, world, names, capacities, fees); err != nil {
			return err
		}
		// Opening balances are deposits: the ledger starts out agreeing.
		_, err := tx.Exec(ctx, `INSERT INTO ledger (world, kind, owner, delta, reason)
			SELECT $1, k, o, d, 'deposit' FROM unnest($2::text[], $3::text[], $4::bigint[]) AS e(k, o, d) WHERE d <> 0`,
			world, kinds, owners, opening)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("creating a world: %w", err)
	}
	return world, nil
}
