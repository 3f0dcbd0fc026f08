// Package report writes what people read: a Markdown bug report for one
// counterexample (BugReport), and the release gate's report directory —
// summary.json, junit.xml and index.html (see Gate).
package report
