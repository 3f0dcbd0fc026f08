package protocol

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/model"
)

// CreateWorld stores a fresh world described by spec and returns its id.
// Fresh world ids are how runs are isolated from each other in one database:
// no operation crosses worlds.
func CreateWorld(ctx context.Context, conn *pgx.Conn, spec model.World) (int64, error) {
	worlds, err := CreateWorlds(ctx, conn, spec, 1)
	if err != nil {
		return 0, err
	}
	return worlds[0], nil
}

// CreateWorlds stores n fresh worlds, each described by spec, in one
// statement — one round trip, atomic on its own — and returns their ids in
// increasing order.
func CreateWorlds(ctx context.Context, conn *pgx.Conn, spec model.World, n int) ([]int64, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
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
	// Opening balances are deposits, so the ledger starts out agreeing
	// with the balances.
	rows, err := conn.Query(ctx, `WITH w AS (INSERT INTO worlds SELECT FROM generate_series(1, $7::int) RETURNING id),
		a AS (INSERT INTO accounts (world, kind, owner, balance)
			SELECT w.id, e.* FROM w, unnest($1::text[], $2::text[], $3::bigint[]) AS e),
		g AS (INSERT INTO groups (world, name, capacity, fee)
			SELECT w.id, e.* FROM w, unnest($4::text[], $5::int[], $6::bigint[]) AS e),
		l AS (INSERT INTO ledger (world, kind, owner, delta, reason)
			SELECT w.id, e.k, e.o, e.d, 'deposit' FROM w, unnest($1::text[], $2::text[], $3::bigint[]) AS e(k, o, d) WHERE e.d <> 0)
		SELECT id FROM w ORDER BY id`, kinds, owners, opening, names, capacities, fees, n)
	if err != nil {
		return nil, fmt.Errorf("creating %d worlds: %w", n, err)
	}
	worlds, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err == nil && len(worlds) != n {
		err = fmt.Errorf("%d ids returned", len(worlds))
	}
	if err != nil {
		return nil, fmt.Errorf("creating %d worlds: %w", n, err)
	}
	return worlds, nil
}
