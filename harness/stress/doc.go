// Package stress is the uncontrolled execution mode: N clients, each on its
// own connection, really concurrent, calling random operations on a few small
// worlds, every call recorded with wall-clock monotonic timestamps. It finds
// races by volume and measures throughput; the deterministic scheduler
// (schedule mode) is what makes a race it found replay exactly.
package stress
