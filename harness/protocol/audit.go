package protocol

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/model"
)

// auditSQL reads a whole world in one statement, so in one snapshot: a
// consistent picture even while clients run, in one round trip.
const auditSQL = `SELECT json_build_object(
	'groups', (SELECT coalesce(json_agg(json_build_object('name', name, 'capacity', capacity, 'fee', fee) ORDER BY name), '[]')
		FROM groups WHERE world = $1),
	'balances', (SELECT coalesce(json_object_agg(kind || ':' || owner, balance), '{}') FROM accounts WHERE world = $1),
	'ledger', (SELECT coalesce(json_object_agg(kind || ':' || owner, total), '{}')
		FROM (SELECT kind, owner, sum(delta) AS total FROM ledger WHERE world = $1 GROUP BY kind, owner) AS sums),
	'members', (SELECT coalesce(json_object_agg(grp, users), '{}')
		FROM (SELECT grp, json_agg(usr ORDER BY usr) AS users FROM memberships WHERE world = $1 GROUP BY grp) AS m),
	'deposits', (SELECT coalesce(sum(delta), 0) FROM ledger WHERE world = $1 AND reason = 'deposit'))`

// Audit reads everything stored about world — balances, ledger sums,
// membership rows (duplicates kept), capacities, fees, deposits — in one
// consistent snapshot. It reads the tables directly and works for every
// variant.
func Audit(ctx context.Context, conn *pgx.Conn, world int64) (model.Snapshot, error) {
	var raw []byte
	if err := conn.QueryRow(ctx, auditSQL, world).Scan(&raw); err != nil {
		return model.Snapshot{}, fmt.Errorf("auditing world %d: %w", world, err)
	}
	var s model.Snapshot
	if err := json.Unmarshal(raw, &s); err != nil {
		return model.Snapshot{}, fmt.Errorf("auditing world %d: %w", world, err)
	}
	return s, nil
}
