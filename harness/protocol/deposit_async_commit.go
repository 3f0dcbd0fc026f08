package protocol

import "jbcheck.dev/jbcheck/model"

func init() { Register(DepositAsyncCommit{}) }

// DepositAsyncCommit is locking whose sessions commit with
// synchronous_commit = off: a commit is acknowledged before its WAL record
// is written, and a server crash right after loses a deposit the client was
// told had happened — a lost acknowledged write (D). Nothing is wrong until
// the server crashes.
type DepositAsyncCommit struct{ Locking }

// Info implements Variant.
func (DepositAsyncCommit) Info() Info {
	return Info{Name: "deposit-async-commit",
		Summary:   "BUG: commits with synchronous_commit = off, so a server crash right after an acknowledged deposit loses it",
		FaultOnly: true,
		Breaks:    []model.Guarantee{model.Durability, model.Linearizable}}
}

// SessionSettings are the variant's run-time parameters (see
// ConfigureClient).
func (DepositAsyncCommit) SessionSettings() map[string]string {
	return map[string]string{"synchronous_commit": "off"}
}
