// Package coverage says which race windows a search actually exercised, as
// Antithesis' "sometimes" assertions do: a search that never overlapped two
// calls on the same rows proved nothing about the races between them,
// however many runs it made.
//
// A window is a kind of moment where a race can happen (Windows). Observe
// finds the windows one run reached, from its history (calls with their
// invoke and completion times, audits) and, for a schedule-mode run, its
// transcript (which session ran each statement, the background worker's
// rounds). Reachable decides from a set of scenarios which windows they can
// reach at all. A Table adds runs up and renders the table jbcheck hunt and
// jbcheck verify print; a window reachable and never reached is a search
// that got weaker (Table.Unreached).
package coverage
