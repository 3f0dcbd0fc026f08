// Package histories is the evidence: the history file format (JSON Lines, a
// header then one event per line, Jepsen-style invoke / ok / fail / info),
// its streaming writer and strict reader, the checker that turns a history
// into a verdict (porcupine per world for linearizability, one segment
// between two barriers at a time, reading the history one event at a time;
// invariants I1–I6 on the audits and barriers), and the HTML picture of a
// violation.
//
// docs/segments.md says why checking segment by segment is sound.
//
// docs/history-format.md describes the format field by field.
package histories
