'use strict'
// The version whose two tests were flaky.
//
// join checks for an existing membership, then inserts — the check outside
// the transaction and without a lock, and no unique constraint on
// memberships (sql/flaky.sql): five concurrent joins by one user can all
// succeed.
//
// Money goes to the ledger only; the background recompute moves it into the
// balance column later. A balance read right after a deposit can still show
// the old balance — the stale read the original test slept 15 s to avoid.

const { answer, withClient, transaction, balance } = require('./answers')
const { recompute } = require('./recompute')

async function join (pool, world, user, group) {
  return withClient(pool, async (client) => {
    const { rows } = await client.query(`SELECT capacity, fee,
        EXISTS (SELECT 1 FROM memberships WHERE world = $1 AND grp = $2 AND usr = $3) AS member,
        (SELECT count(*) FROM memberships WHERE world = $1 AND grp = $2) AS members
      FROM groups WHERE world = $1 AND name = $2`, [world, group, user])
    if (rows.length === 0) return answer('no_such_group')
    const g = rows[0]
    if (g.member) return answer('already_member')
    if (Number(g.members) >= g.capacity) return answer('full')
    return transaction(client, async () => {
      await client.query("SELECT 1 FROM accounts WHERE world = $1 AND kind = 'wallet' AND owner = $2 FOR UPDATE", [world, user])
      const paid = await client.query(`WITH debited AS (
          SELECT $1::bigint AS world
          WHERE (SELECT coalesce(sum(delta), 0) FROM ledger WHERE world = $1 AND kind = 'wallet' AND owner = $2) >= $3::bigint),
        joined AS (INSERT INTO memberships (world, grp, usr) SELECT $1, $4, $2 FROM debited)
        INSERT INTO ledger (world, kind, owner, delta, reason, applied)
        SELECT $1, e.kind, e.owner, e.delta, 'join', false
        FROM debited, (VALUES ('wallet', $2, -$3::bigint), ('pot', $4, $3::bigint)) AS e(kind, owner, delta)`,
      [world, user, g.fee, group])
      return answer(paid.rowCount === 2 ? 'joined' : 'insufficient_funds')
    })
  })
}

async function leave (pool, world, user, group) {
  return withClient(pool, (client) => transaction(client, async () => {
    const gone = await client.query('DELETE FROM memberships WHERE world = $1 AND grp = $2 AND usr = $3', [world, group, user])
    if (gone.rowCount === 0) return answer('not_member')
    await client.query(`INSERT INTO ledger (world, kind, owner, delta, reason, applied)
      SELECT $1, e.kind, e.owner, e.delta, 'leave', false
      FROM groups g, LATERAL (VALUES ('wallet', $3, g.fee), ('pot', $2, -g.fee)) AS e(kind, owner, delta)
      WHERE g.world = $1 AND g.name = $2`, [world, group, user])
    return answer('left')
  }))
}

async function deposit (pool, world, user, amount) {
  await pool.query("INSERT INTO ledger (world, kind, owner, delta, reason, applied) VALUES ($1, 'wallet', $2, $3, 'deposit', false)",
    [world, user, amount])
  return answer('ok')
}

module.exports = { join, leave, deposit, balance, recompute }
