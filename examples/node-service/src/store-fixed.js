'use strict'
// The fixed version.
//
// join locks the group row (SELECT … FOR UPDATE) before it checks, in the
// transaction that inserts, so the check and the insert of two joins cannot
// interleave; memberships keep their unique index.
//
// Money moves on the balance column and the ledger in the same statement,
// so a balance read after a deposit answered sees it: the background
// recompute only repairs drift, and finds none.

const { answer, withClient, transaction, balance } = require('./answers')
const { recompute } = require('./recompute')

async function join (pool, world, user, group) {
  return withClient(pool, (client) => transaction(client, async () => {
    const locked = await client.query('SELECT capacity, fee FROM groups WHERE world = $1 AND name = $2 FOR UPDATE', [world, group])
    if (locked.rows.length === 0) return answer('no_such_group')
    const { capacity, fee } = locked.rows[0]
    const { rows } = await client.query(`SELECT
        EXISTS (SELECT 1 FROM memberships WHERE world = $1 AND grp = $2 AND usr = $3) AS member,
        (SELECT count(*) FROM memberships WHERE world = $1 AND grp = $2) AS members`, [world, group, user])
    if (rows[0].member) return answer('already_member')
    if (Number(rows[0].members) >= capacity) return answer('full')
    const paid = await client.query(`WITH debited AS (
        UPDATE accounts SET balance = balance - $3
        WHERE world = $1 AND kind = 'wallet' AND owner = $2 AND balance >= $3
        RETURNING world),
      credited AS (
        UPDATE accounts SET balance = balance + $3
        WHERE world = $1 AND kind = 'pot' AND owner = $4 AND EXISTS (SELECT 1 FROM debited)),
      joined AS (INSERT INTO memberships (world, grp, usr) SELECT $1, $4, $2 FROM debited)
      INSERT INTO ledger (world, kind, owner, delta, reason)
      SELECT $1, e.kind, e.owner, e.delta, 'join'
      FROM debited, (VALUES ('wallet', $2, -$3::bigint), ('pot', $4, $3::bigint)) AS e(kind, owner, delta)`,
    [world, user, fee, group])
    return answer(paid.rowCount === 2 ? 'joined' : 'insufficient_funds')
  }))
}

async function leave (pool, world, user, group) {
  return withClient(pool, (client) => transaction(client, async () => {
    const locked = await client.query('SELECT fee FROM groups WHERE world = $1 AND name = $2 FOR UPDATE', [world, group])
    if (locked.rows.length === 0) return answer('no_such_group')
    const gone = await client.query('DELETE FROM memberships WHERE world = $1 AND grp = $2 AND usr = $3', [world, group, user])
    if (gone.rowCount === 0) return answer('not_member')
    await post(client, world, 'leave', [['wallet', user, Number(locked.rows[0].fee)], ['pot', group, -Number(locked.rows[0].fee)]])
    return answer('left')
  }))
}

async function deposit (pool, world, user, amount) {
  await post(pool, world, 'deposit', [['wallet', user, amount]])
  return answer('ok')
}

/** Applies entries to the balances and the ledger in one statement. */
function post (q, world, reason, entries) {
  return q.query(`WITH e AS (SELECT * FROM unnest($2::text[], $3::text[], $4::bigint[]) AS e(kind, owner, delta)),
      applied AS (
        UPDATE accounts a SET balance = a.balance + e.delta FROM e
        WHERE a.world = $1 AND a.kind = e.kind AND a.owner = e.owner)
    INSERT INTO ledger (world, kind, owner, delta, reason) SELECT $1, kind, owner, delta, $5 FROM e`,
  [world, entries.map((e) => e[0]), entries.map((e) => e[1]), entries.map((e) => e[2]), reason])
}

module.exports = { join, leave, deposit, balance, recompute }
