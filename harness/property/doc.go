// Package property holds the rapid properties of the protocol, shared by the
// tests and the CLI, and Falsify, which runs a property that is expected to
// fail and hands back rapid's shrunk report instead of failing the caller.
package property
