// Package flaky measures how flaky a test command is: it runs the command
// many times, a few at once, each run in its own process group (killed whole
// at a timeout), and reports the failure rate with a Wilson 95% interval, the
// failures clustered by a normalized signature of their output, and the run
// times of passing and failing runs. It knows nothing of PostgreSQL: any
// command that exits 0 on success will do (go test, jest, pytest, …).
package flaky
