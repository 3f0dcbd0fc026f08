// Package shrink turns a failing history from any mode into the smallest
// schedule-mode scenario that still fails the same way: a counterexample to
// attach to a bug report, which `jbcheck replay` reproduces exactly.
//
// A schedule-mode history records its scenario and schedule: shrinking
// starts from them. A stress-mode history records only what each client
// called and when; shrinking cuts candidate scenarios out of the violating
// world — two calls that ran close together, then the same with each
// client's previous calls — smallest first, and explores each in schedule
// mode until one fails the same guarantee. Either way schedule.Minimize
// then removes what the failure does not need.
package shrink
