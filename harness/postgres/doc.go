// Package postgres gives the harness a real PostgreSQL server to test against.
//
// Without a DSN it starts an embedded cluster from the server binaries on the
// machine: initdb into a fresh temporary directory, a postmaster that listens
// on no TCP address, only on a Unix socket in a directory (mode 0700) that
// only the harness and the cluster's OS user can enter, run as the
// unprivileged "postgres" user when the harness is root (initdb and postgres
// refuse root). The postmaster is a direct child of
// the harness so that crash tests can SIGKILL it and start it again on the same
// data. A small janitor process, started first, outlives the harness: when the
// harness dies in any way, even by SIGKILL, the janitor kills whatever is left
// of the cluster and removes its directory, so no orphan survives.
//
// With a DSN (or the libpq environment variables, PGHOST and friends), it
// creates a database of its own named jbcheck_<random> on that server, works
// only there, and drops it on Stop; it refuses to drop any other name.
package postgres
