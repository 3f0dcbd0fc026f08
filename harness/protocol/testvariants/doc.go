// Package testvariants holds variants written to test the harness, not the
// protocol: each one stands for a kind of code a team might bring, at an
// edge the engine must handle (an operation that runs no statement, a
// state that exists only between two statements, reads that wait only for
// the reader's own writes, locks taken in opposite orders). Tests import it
// for its registrations; their names start with "test-", and the jbcheck
// binary never links it.
package testvariants
