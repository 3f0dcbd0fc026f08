package protocol

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"jbcheck/model"
)

// Audit reads everything stored about world in one REPEATABLE READ
// transaction, so that the snapshot is consistent even while clients run.
// It reads the tables directly and works for every variant.
func Audit(ctx context.Context, conn *pgx.Conn, world int64) (model.Snapshot, error) {
	s := model.Snapshot{
		Balances: map[model.Account]int64{},
		Ledger:   map[model.Account]int64{},
		Members:  map[string][]string{},
	}
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	err := pgx.BeginTxFunc(ctx, conn, opts, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT name, capacity, fee FROM groups WHERE world = $1 ORDER BY name", world)
		groups, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.Group, error) {
			var g model.Group
			return g, r.Scan(&g.Name, &g.Capacity, &g.Fee)
		})
		if err != nil {
			return err
		}
		s.Groups = groups
		if err := collectAmounts(ctx, tx, s.Balances, "SELECT kind, owner, balance FROM accounts WHERE world = $1", world); err != nil {
			return err
		}
		if err := collectAmounts(ctx, tx, s.Ledger, "SELECT kind, owner, sum(delta)::bigint FROM ledger WHERE world = $1 GROUP BY kind, owner", world); err != nil {
			return err
		}
		rows, _ = tx.Query(ctx, "SELECT grp, usr FROM memberships WHERE world = $1 ORDER BY grp, usr", world)
		var grp, usr string
		if _, err := pgx.ForEachRow(rows, []any{&grp, &usr}, func() error {
			s.Members[grp] = append(s.Members[grp], usr)
			return nil
		}); err != nil {
			return err
		}
		return tx.QueryRow(ctx, "SELECT coalesce(sum(delta), 0)::bigint FROM ledger WHERE world = $1 AND reason = 'deposit'", world).Scan(&s.Deposits)
	})
	if err != nil {
		return model.Snapshot{}, fmt.Errorf("auditing world %d: %w", world, err)
	}
	return s, nil
}

func collectAmounts(ctx context.Context, tx pgx.Tx, into map[model.Account]int64, sql string, world int64) error {
	rows, _ := tx.Query(ctx, sql, world)
	var kind, owner string
	var amount int64
	_, err := pgx.ForEachRow(rows, []any{&kind, &owner, &amount}, func() error {
		into[model.Account{Kind: model.AccountKind(kind), Owner: owner}] = amount
		return nil
	})
	return err
}
