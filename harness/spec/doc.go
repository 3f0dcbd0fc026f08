// Package spec runs PostgreSQL isolation test specifications — the files
// PostgreSQL's isolationtester reads: setup and teardown blocks, sessions
// with named SQL steps, permutation lines with markers — on the
// interleaving engine (harness/interleave).
//
// Three things can be done with a spec:
//
//   - Run its permutations (RunSpec) and print what isolationtester prints,
//     byte for byte: result sets as libpq's PQprint, "ERROR:  message",
//     "<waiting ...>" and "<... completed>", notices and NOTIFY lines. A
//     Director replays each permutation on the engine, and a tester that
//     follows isolationtester's algorithm (markers, the order it polls
//     waiting steps, when it reads each connection) decides what is printed
//     once the sessions settle after each step.
//   - Explore every interleaving of its sessions' steps the engine can
//     realise (Explore), group the schedules by outcome — what every step
//     returned and the tables' final contents — and name each outcome's
//     schedule as a permutation line, which replays it.
//   - Check each outcome against every serial order of its committed
//     transactions (Oracle), each run on a fresh setup: an outcome no serial
//     order gives is a serializability violation, named when it is a known
//     anomaly (lost update, write skew, read-only anomaly).
//
// Parse reads a spec with isolationtester's grammar and checks, and reports
// every problem at file:line:column.
package spec
