// Package verify is the release gate behind `jbcheck verify` and `make
// verify`. It proves two things at once: every correct variant keeps every
// guarantee (rapid properties, bounded exploration of the standard
// scenarios — both original flaky tests among them — and a stress run), and
// the harness still catches every bug variant (the mutation matrix: a
// harness that passes everything proves nothing). Each check that fails
// leaves a minimal counterexample, with its bug report, in the report
// directory (see package report).
package verify
