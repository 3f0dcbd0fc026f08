'use strict'
// How the store's results become HTTP answers, for both versions.

const answers = {
  joined: { status: 200, body: { result: 'joined' } },
  already_member: { status: 409, body: { error: 'already_member' } },
  full: { status: 409, body: { error: 'group_full' } },
  insufficient_funds: { status: 402, body: { error: 'insufficient_funds' } },
  left: { status: 200, body: { result: 'left' } },
  not_member: { status: 409, body: { error: 'not_member' } },
  ok: { status: 200, body: { result: 'ok' } },
  no_such_group: { status: 404, body: { error: 'no_such_group' } },
  no_such_account: { status: 404, body: { error: 'no_such_account' } }
}

/** The HTTP answer of a store result. */
function answer (result) { return answers[result] }

/**
 * Runs body with one pooled client, released afterwards: each request's SQL
 * goes out on one connection.
 */
async function withClient (pool, body) {
  const client = await pool.connect()
  try {
    return await body(client)
  } finally {
    client.release()
  }
}

/** Runs body in a transaction on client: COMMIT after it, ROLLBACK on an error. */
async function transaction (client, body, begin = 'BEGIN') {
  await client.query(begin)
  try {
    const out = await body()
    await client.query('COMMIT')
    return out
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  }
}

/** Reads one account's balance column. */
async function balance (pool, world, kind, owner) {
  const { rows } = await pool.query('SELECT balance FROM accounts WHERE world = $1 AND kind = $2 AND owner = $3', [world, kind, owner])
  if (rows.length === 0) return answer('no_such_account')
  return { status: 200, body: { balance: Number(rows[0].balance) } }
}

module.exports = { answer, withClient, transaction, balance }
