// Package model is the sequential specification of the join and balance
// protocol: typed operation inputs and outputs, an immutable State with a pure
// Step, the invariants I1–I6 over an audited snapshot of a world, and a
// porcupine.Model that partitions histories by world.
//
// Everything here is pure Go with no database: the harness drives the real
// implementation, and this package says what it should have answered.
package model
