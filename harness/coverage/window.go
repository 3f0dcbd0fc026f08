package coverage

import "jbcheck.dev/jbcheck/model"

// Window is a kind of race window.
type Window int

// The windows, in the table's order.
const (
	// SameRows: two calls of different clients that write a common row
	// overlap in time.
	SameRows Window = iota
	// ReadWrite: a read (balance, members) overlaps another client's call
	// that writes a row it reads.
	ReadWrite
	// WorkerRound: a call that touches an account overlaps a round of the
	// variant's background worker (which applies the ledger to accounts).
	WorkerRound
	// MidCall: between two statements of one call, another client ran a
	// statement or an audit read the world.
	MidCall
	windows // how many there are
)

// Windows lists every window.
func Windows() []Window {
	out := make([]Window, windows)
	for i := range out {
		out[i] = Window(i)
	}
	return out
}

// String names the window as the table prints it.
func (w Window) String() string {
	switch w {
	case SameRows:
		return "same-rows"
	case ReadWrite:
		return "read-write"
	case WorkerRound:
		return "worker-round"
	case MidCall:
		return "mid-call"
	}
	return "unknown"
}

// Describe says what reaching the window means.
func (w Window) Describe() string {
	switch w {
	case SameRows:
		return "two calls on the same rows overlapping"
	case ReadWrite:
		return "a read overlapping a write to what it reads"
	case WorkerRound:
		return "a call concurrent with the worker's round on its accounts"
	case MidCall:
		return "a step between two statements of a call, by another client or an audit"
	}
	return ""
}

// Set is the windows one run reached.
type Set [windows]bool

// rows are the rows a call reads and writes by the model's semantics: a
// wallet ("w:u0"), a pot ("p:g0"), a group's memberships ("g:g0"). A call
// is counted by the rows it may write, whatever its answer.
func rows(in model.Input) (reads, writes []string) {
	wallet := func(u string) string { return "w:" + u }
	switch in.Op {
	case model.OpJoin, model.OpLeave:
		writes = []string{wallet(in.User), "p:" + in.Group, "g:" + in.Group}
	case model.OpDeposit:
		writes = []string{wallet(in.User)}
	case model.OpTransfer:
		writes = []string{wallet(in.User), wallet(in.To)}
	case model.OpBalance:
		if in.Group != "" {
			reads = []string{"p:" + in.Group}
		} else {
			reads = []string{wallet(in.User)}
		}
	case model.OpMembers:
		reads = []string{"g:" + in.Group}
	}
	return reads, writes
}

// touchesAccount: the call reads or writes a wallet or a pot, the rows a
// background worker updates.
func touchesAccount(in model.Input) bool { return in.Op != model.OpMembers }

// shares reports whether two row lists have a row in common.
func shares(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

// sameRows: a and b, of different clients, both write a common row.
func sameRows(a, b model.Input) bool {
	_, wa := rows(a)
	_, wb := rows(b)
	return shares(wa, wb)
}

// readWrite: one of a and b reads a row the other writes.
func readWrite(a, b model.Input) bool {
	ra, wa := rows(a)
	rb, wb := rows(b)
	return shares(ra, wb) || shares(rb, wa)
}
