'use strict'
// The background balance recompute: balances are brought up to the sums of
// their ledger entries not yet applied, and those entries marked applied.
// One round; it returns how many balances it changed.

const { withClient, transaction } = require('./answers')

const sums = `SELECT world, kind, owner, sum(delta) AS total FROM ledger
  WHERE world IN (SELECT world FROM ledger WHERE NOT applied) GROUP BY world, kind, owner`

async function recompute (pool) {
  return withClient(pool, async (client) => {
    const pending = await client.query('SELECT EXISTS (SELECT 1 FROM ledger WHERE NOT applied) AS pending')
    if (!pending.rows[0].pending) return 0
    try {
      return await transaction(client, async () => {
        // Lock what will change in the order the requests lock accounts.
        await client.query(`SELECT 1 FROM accounts a JOIN (${sums}) s USING (world, kind, owner)
          WHERE a.balance <> s.total ORDER BY a.world, a.kind DESC, a.owner FOR UPDATE OF a`)
        const { rows } = await client.query(`WITH s AS (${sums}),
            fixed AS (UPDATE accounts a SET balance = s.total FROM s
              WHERE a.world = s.world AND a.kind = s.kind AND a.owner = s.owner AND a.balance <> s.total RETURNING 1),
            seen AS (UPDATE ledger SET applied = true WHERE NOT applied)
          SELECT count(*) AS changed FROM fixed`)
        return Number(rows[0].changed)
      }, 'BEGIN ISOLATION LEVEL REPEATABLE READ')
    } catch (err) {
      if (err.code === '40001' || err.code === '40P01') return 0 // lost a race: the next round does it
      throw err
    }
  })
}

module.exports = { recompute }
