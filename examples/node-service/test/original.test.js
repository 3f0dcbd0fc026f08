'use strict'
// The two tests of the original write-up, as they were written: HTTP calls
// at the service, concurrency left to chance and the background recompute
// waited for with a sleep. Against SERVICE_VERSION=flaky they fail some of
// the time — which is the point of jbcheck's example — and against the fixed
// version they pass.
//
// They need DATABASE_URL (a database they may create a schema in); each run
// makes a schema of its own with jbcheck's tables (harness/protocol/schema.sql)
// and the version's own DDL (sql/VERSION.sql), and drops it at the end.

const test = require('node:test')
const assert = require('node:assert')
const fs = require('node:fs')
const path = require('node:path')
const { Client } = require('pg')
const { start } = require('../src/server')

const version = process.env.SERVICE_VERSION || 'fixed'
const databaseUrl = process.env.DATABASE_URL
const schema = `svc_test_${version}_${process.pid}`

let service
let admin

/** A URL for the service: DATABASE_URL with the test's schema as its search_path. */
function serviceUrl () {
  const sep = databaseUrl.includes('?') ? '&' : '?'
  return databaseUrl + sep + 'options=' + encodeURIComponent(`-c search_path=${schema}`)
}

test.before(async () => {
  assert.ok(databaseUrl, 'set DATABASE_URL to a PostgreSQL database these tests may create a schema in')
  admin = new Client({ connectionString: databaseUrl })
  await admin.connect()
  const tables = fs.readFileSync(path.join(__dirname, '../../../harness/protocol/schema.sql'), 'utf8')
  const own = fs.readFileSync(path.join(__dirname, `../sql/${version}.sql`), 'utf8')
  await admin.query(`CREATE SCHEMA ${schema}; SET search_path TO ${schema};\n${tables}\n${own}`)
  service = await start({ databaseUrl: serviceUrl(), version, recompute: 'timer', intervalMs: 50 })
})

test.after(async () => {
  if (service) await service.close()
  if (admin) {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await admin.end()
  }
})

/** A fresh world: users with 100 each, group g0 (capacity 2, fee 10). */
async function world (users) {
  const { rows } = await admin.query(`WITH w AS (INSERT INTO worlds DEFAULT VALUES RETURNING id),
      a AS (INSERT INTO accounts (world, kind, owner, balance)
        SELECT w.id, 'wallet', u, 100 FROM w, unnest($1::text[]) AS u
        UNION ALL SELECT w.id, 'pot', 'g0', 0 FROM w),
      g AS (INSERT INTO groups (world, name, capacity, fee) SELECT w.id, 'g0', 2, 10 FROM w),
      l AS (INSERT INTO ledger (world, kind, owner, delta, reason) SELECT w.id, 'wallet', u, 100, 'deposit' FROM w, unnest($1::text[]) AS u)
    SELECT id FROM w`, [users])
  return rows[0].id
}

async function call (method, url, { user, body } = {}) {
  const headers = { 'content-type': 'application/json' }
  if (user) headers['x-user'] = user
  const res = await fetch(service.url + url, { method, headers, body: body && JSON.stringify(body) })
  return { status: res.status, body: await res.json() }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

test('should prevent duplicate concurrent joins by same user', async () => {
  const w = await world(['u0'])
  const answers = await Promise.all(Array.from({ length: 5 }, () =>
    call('POST', `/worlds/${w}/groups/g0/join`, { user: 'u0' })))
  const joined = answers.filter((a) => a.status === 200)
  const refused = answers.filter((a) => a.status === 409 && a.body.error === 'already_member')
  assert.strictEqual(joined.length, 1, `joins that succeeded: ${JSON.stringify(answers)}`)
  assert.strictEqual(refused.length, 4)
})

test('should handle database transaction consistency', async () => {
  const w = await world(['u0'])
  const deposit = await call('POST', `/worlds/${w}/users/u0/deposits`, { body: { amount: 5 } })
  assert.strictEqual(deposit.status, 200)
  // The original waited for the background balance calculation to finish.
  await sleep(20)
  const balance = await call('GET', `/worlds/${w}/users/u0/balance`)
  assert.strictEqual(balance.status, 200)
  assert.strictEqual(balance.body.balance, 105)
})
