// Package stress is the uncontrolled execution mode: N clients, each on its
// own connection, really concurrent, calling random operations on a few small
// worlds, every call recorded with wall-clock monotonic timestamps. It finds
// races by volume and measures throughput; the deterministic scheduler
// (schedule mode) is what makes a race it found replay exactly.
//
// Under faults (Config.Faults) a seeded nemesis crashes, pauses, kills,
// cancels or loses replies every interval and records each fault in the
// history; clients, the background worker and the auditor reconnect with
// bounded backoff, and a call whose connection was lost with its request
// sent is sent again once under its operation id (harness/fault,
// docs/faults.md).
package stress
