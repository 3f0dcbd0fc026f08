'use strict'
// The group-membership and wallet service of the original write-up: an HTTP
// API over PostgreSQL (node-postgres, one Pool). SERVICE_VERSION picks the
// store: "flaky" (the version whose two tests were flaky) or "fixed".
//
// Environment:
//   DATABASE_URL      the database (jbcheck points it at its relay)
//   PORT              the port to listen on, on 127.0.0.1 (0: any free one)
//   SERVICE_VERSION   flaky | fixed
//   POOL_MAX          the connection pool's size (10)
//   RECOMPUTE         "timer" (default): the background balance recompute
//                     runs every RECOMPUTE_INTERVAL_MS (50); "manual": only
//                     when POST /jobs/recompute asks (how jbcheck runs it)

const http = require('node:http')
const { Pool } = require('pg')
const { route } = require('./routes')

const stores = { flaky: require('./store-flaky'), fixed: require('./store-fixed') }

/**
 * Starts the service.
 * @param {{databaseUrl: string, port?: number, version: string, poolMax?: number, recompute?: string, intervalMs?: number}} opts
 * @returns {Promise<{url: string, close: () => Promise<void>}>}
 */
async function start (opts) {
  const store = stores[opts.version]
  if (!store) throw new Error(`SERVICE_VERSION must be flaky or fixed, not ${JSON.stringify(opts.version)}`)
  const pool = new Pool({ connectionString: opts.databaseUrl, max: opts.poolMax || 10 })
  pool.on('error', (err) => console.error('idle client error:', err.message))
  const server = http.createServer((req, res) => route(store, pool, req, res))
  await new Promise((resolve) => server.listen(opts.port || 0, '127.0.0.1', resolve))
  let timer = null
  if ((opts.recompute || 'timer') === 'timer') {
    // The original: a recompute every so often, whatever happens meanwhile.
    let running = false
    timer = setInterval(async () => {
      if (running) return
      running = true
      try { await store.recompute(pool) } catch (err) { console.error('recompute:', err.message) } finally { running = false }
    }, opts.intervalMs || 50)
  }
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: async () => {
      if (timer) clearInterval(timer)
      await new Promise((resolve) => server.close(resolve))
      await pool.end()
    }
  }
}

module.exports = { start }

if (require.main === module) {
  start({
    databaseUrl: process.env.DATABASE_URL,
    port: Number(process.env.PORT || 3000),
    version: process.env.SERVICE_VERSION || 'fixed',
    poolMax: Number(process.env.POOL_MAX || 10),
    recompute: process.env.RECOMPUTE,
    intervalMs: Number(process.env.RECOMPUTE_INTERVAL_MS || 50)
  }).then((s) => {
    console.log(`listening on ${s.url}`)
    const stop = () => s.close().then(() => process.exit(0))
    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)
  }, (err) => {
    console.error(err.message)
    process.exit(1)
  })
}
