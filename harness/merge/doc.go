// Package merge combines the reports of the shards of one run — a gate's
// (jbcheck verify --shard i/n) or an exploration's (jbcheck explore, spec
// --explore) — into the report the unsharded run would have written: one
// verdict, summary.json, junit.xml and index.html. It first proves that the
// reports are the shards of one run: the same kind, target, options, seed
// and jbcheck version, shards 1..n of one n, each exactly once; and for a
// gate, every check of the run present exactly once. Anything else is an
// error naming what differs or what is missing.
package merge
