// Package histories is the evidence: the history file format (JSON Lines, a
// header then one event per line, Jepsen-style invoke / ok / fail / info),
// its streaming writer and strict reader, the checker that turns a history
// into a verdict (porcupine per world for linearizability, invariants I1–I6
// on the final audits), and the HTML picture of a violation.
//
// docs/history-format.md describes the format field by field.
package histories
