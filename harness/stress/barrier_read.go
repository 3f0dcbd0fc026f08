package stress

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/model"
)

// barrierSQL reads every world for a barrier in one statement, so in one
// snapshot: each world's accounts, groups and membership rows whole (a
// world's few rows), and of the ledger only the entries after $2, the
// previous barrier's last id, summed per account. The ledger is
// append-only in every variant and a barrier is taken with no transaction
// in flight, so every entry after a barrier has a larger id than every
// entry before it: the sums carried over plus these are the whole ledger's
// sums, and a barrier costs what happened since the last one, not the run's
// length. (protocol.Audit, for the mid-run and final audits, sums the whole
// ledger.)
const barrierSQL = `SELECT json_build_object(
	'last', (SELECT coalesce(max(id), $2) FROM ledger),
	'worlds', (SELECT json_object_agg(w, json_build_object(
		'groups', (SELECT coalesce(json_agg(json_build_object('name', name, 'capacity', capacity, 'fee', fee) ORDER BY name), '[]')
			FROM groups WHERE world = w),
		'balances', (SELECT coalesce(json_object_agg(kind || ':' || owner, balance), '{}') FROM accounts WHERE world = w),
		'members', (SELECT coalesce(json_object_agg(grp, users), '{}')
			FROM (SELECT grp, json_agg(usr ORDER BY usr) AS users FROM memberships WHERE world = w GROUP BY grp) AS m)))
		FROM unnest($1::bigint[]) AS w),
	'ledger', (SELECT coalesce(json_agg(json_build_object('world', world, 'account', kind || ':' || owner, 'total', total, 'deposits', deposits)), '[]')
		FROM (SELECT world, kind, owner, sum(delta) AS total, coalesce(sum(delta) FILTER (WHERE reason = 'deposit'), 0) AS deposits
			FROM ledger WHERE id > $2 AND world = ANY($1) GROUP BY world, kind, owner) AS s))`

// ledgerSums is what the barriers carry over of the ledger: the id of the
// last entry read, and each world's sums up to it.
type ledgerSums struct {
	last     int64
	accounts map[int64]map[model.Account]int64
	deposits map[int64]int64
}

// read reads every world's snapshot for a barrier (see barrierSQL).
func (l *ledgerSums) read(ctx context.Context, conn *pgx.Conn, worlds []int64) (map[int64]model.Snapshot, error) {
	if l.accounts == nil {
		l.accounts, l.deposits = map[int64]map[model.Account]int64{}, map[int64]int64{}
	}
	var raw []byte
	if err := conn.QueryRow(ctx, protocol.PollMarker+barrierSQL, worlds, l.last).Scan(&raw); err != nil {
		return nil, fmt.Errorf("barrier: reading the worlds: %w", err)
	}
	var got struct {
		Last   int64 `json:"last"`
		Worlds map[int64]struct {
			Groups   []model.Group           `json:"groups"`
			Balances map[model.Account]int64 `json:"balances"`
			Members  map[string][]string     `json:"members"`
		} `json:"worlds"`
		Ledger []struct {
			World    int64         `json:"world"`
			Account  model.Account `json:"account"`
			Total    int64         `json:"total"`
			Deposits int64         `json:"deposits"`
		} `json:"ledger"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		return nil, fmt.Errorf("barrier: reading the worlds: %w", err)
	}
	for _, e := range got.Ledger {
		if l.accounts[e.World] == nil {
			l.accounts[e.World] = map[model.Account]int64{}
		}
		l.accounts[e.World][e.Account] += e.Total
		l.deposits[e.World] += e.Deposits
	}
	l.last = got.Last
	snaps := map[int64]model.Snapshot{}
	for _, w := range worlds {
		g := got.Worlds[w]
		snaps[w] = model.Snapshot{Groups: g.Groups, Balances: g.Balances, Members: g.Members,
			Ledger: maps.Clone(l.accounts[w]), Deposits: l.deposits[w]}
	}
	return snaps, nil
}
