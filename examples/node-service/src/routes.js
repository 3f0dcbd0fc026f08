'use strict'
// The HTTP API, the same for both versions of the store:
//
//   POST /worlds/:world/groups/:group/join    (X-User: u)  200 joined | 409 already_member | 409 full | 402 insufficient_funds
//   POST /worlds/:world/groups/:group/leave   (X-User: u)  200 left | 409 not_member
//   POST /worlds/:world/users/:user/deposits  {"amount": n} 200 ok
//   GET  /worlds/:world/users/:user/balance                 200 {"balance": n}
//   GET  /worlds/:world/groups/:group/balance               200 {"balance": n}
//   POST /jobs/recompute                                    200 {"changed": n}
//   GET  /health                                            200
//
// A world is one isolated set of users and groups (the tables' world column).

const routes = [
  ['POST', /^\/worlds\/(\d+)\/groups\/([^/]+)\/join$/, (s, db, m, req) => s.join(db, world(m), user(req), m[2])],
  ['POST', /^\/worlds\/(\d+)\/groups\/([^/]+)\/leave$/, (s, db, m, req) => s.leave(db, world(m), user(req), m[2])],
  ['POST', /^\/worlds\/(\d+)\/users\/([^/]+)\/deposits$/, (s, db, m, req, body) => s.deposit(db, world(m), m[2], amount(body))],
  ['GET', /^\/worlds\/(\d+)\/users\/([^/]+)\/balance$/, (s, db, m) => s.balance(db, world(m), 'wallet', m[2])],
  ['GET', /^\/worlds\/(\d+)\/groups\/([^/]+)\/balance$/, (s, db, m) => s.balance(db, world(m), 'pot', m[2])],
  ['POST', /^\/jobs\/recompute$/, async (s, db) => ({ status: 200, body: { changed: await s.recompute(db) } })],
  ['GET', /^\/health$/, async () => ({ status: 200, body: { ok: true } })]
]

class BadRequest extends Error {}

function world (m) { return m[1] }

function user (req) {
  const u = req.headers['x-user']
  if (!u) throw new BadRequest('missing X-User header')
  return decodeURIComponent(u)
}

function amount (body) {
  const n = body && body.amount
  if (!Number.isSafeInteger(n) || n <= 0) throw new BadRequest('amount must be a positive whole number')
  return n
}

function readBody (req) {
  return new Promise((resolve, reject) => {
    let text = ''
    req.setEncoding('utf8')
    req.on('data', (chunk) => { text += chunk })
    req.on('end', () => {
      try { resolve(text ? JSON.parse(text) : null) } catch (err) { reject(new BadRequest('body is not JSON')) }
    })
    req.on('error', reject)
  })
}

/** Answers one request. */
async function route (store, pool, req, res) {
  let status = 404
  let body = { error: 'not_found' }
  try {
    const path = req.url.split('?')[0]
    for (const [method, pattern, handle] of routes) {
      const m = pattern.exec(path)
      if (m && req.method === method) {
        const parsed = await readBody(req)
        ;({ status, body } = await handle(store, pool, m.map(decodeURIComponent), req, parsed))
        break
      }
    }
  } catch (err) {
    if (err instanceof BadRequest) {
      status = 400
      body = { error: err.message }
    } else {
      status = 500
      body = { error: err.message }
    }
  }
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

module.exports = { route }
