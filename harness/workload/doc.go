// Package workload says what the clients do: the worlds they work in and the
// operations they call. Generators here serve both rapid properties (drawn
// from a *rapid.T, shrinking toward fewer, smaller, simpler calls) and stress
// runs (from a seed).
package workload
