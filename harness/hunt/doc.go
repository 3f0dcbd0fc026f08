// Package hunt searches for a violation with nothing but a variant: no
// scenario, no schedule. It orchestrates the harness's searches in stages —
// drawn scenarios and schedules (harness/property, with a crash among the
// faults for a bug only faults reveal), then stress with and without faults
// (harness/stress), then shrinking (harness/shrink, schedule.Minimize) —
// and stops at the first violation with a minimal, replayable
// counterexample and its bug report. When nothing is found it says what
// was searched, and the race windows the search reached (harness/coverage).
// jbcheck hunt, jbcheck verify and jbcheck mutate call Run.
package hunt
