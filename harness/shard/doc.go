// Package shard splits deterministic work among n processes: shard i of n
// owns the items whose index is i-1 modulo n, so n shards together do
// exactly what one unsharded run does, each item once. The shard comes from
// a flag (--shard i/n) or from the environment an existing engine sets — a
// Kubernetes indexed Job (JOB_COMPLETION_INDEX, 0-based) or a CI matrix
// (JBCHECK_SHARD=i/n) — so jbcheck never schedules machines itself.
package shard
