// Package protocol is the code under test: the join and balance protocol
// implemented in SQL through pgx, several ways.
//
// A Variant implements the six operations (model.Ops) on the calling client's
// own connection — one PostgreSQL session per client, never a pool — so the
// stress runner and the deterministic scheduler drive the very same code. Each
// variant lives in one file and registers itself by name; adding a variant,
// correct or buggy, is a one-file change. Install puts a variant's tables in a
// PostgreSQL schema of its own, CreateWorld makes a fresh world to run in, and
// Audit reads a whole world back in one consistent snapshot for the
// invariants.
package protocol
