// Connects with Node's pg driver to DATABASE_URL (the password comes from
// PGPASSWORD, never the command line), runs a parameterized query and a
// transaction, and prints what it saw as one JSON line.
const { Client } = require('pg');

async function main() {
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  const one = await client.query('SELECT current_user AS who, $1::int + 1 AS n', [41]);
  await client.query('BEGIN');
  const two = await client.query('SELECT $1::text AS t', ['in a transaction']);
  await client.query('COMMIT');
  await client.end();
  console.log(JSON.stringify({ who: one.rows[0].who, n: one.rows[0].n, t: two.rows[0].t }));
}

main().catch((err) => {
  console.error(err.code || '', err.message);
  process.exit(1);
});
