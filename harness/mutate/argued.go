package mutate

import "strings"

// Argued is a mutant of a lagging variant whose equivalence exploration
// cannot prove — its scenarios' schedules are sampled (PCT), never
// exhausted — and that docs/guarantees.md ("Mutants") argues equivalent.
// Such a mutant that nothing killed, and whose sampled outcomes are all
// the original's, is judged equivalent on the argument, which its detail
// quotes; with any other outcome it survives.
type Argued struct {
	Variant, Operator, Op string
	Site                  string // a part of the site's text that names it
	Why                   string
}

// arguedLagging names the argued mutants of async-watermark. Its locks and
// transactions are locking's (they share the protocol's core), and the
// arguments are those of locking's mutants that exploration proved
// equivalent, or facts of its worker.
var arguedLagging = []Argued{
	{"async-watermark", DropLock, "leave", "FROM groups", "leave's DELETE locks the membership row and the refund is recorded only if it deleted one, in the same transaction: the group lock adds nothing (locking's twin is proved equivalent)"},
	{"async-watermark", DropLock, "transfer", "owner IN ($2, $3)", "the wallets' lock in name order only keeps opposite transfers from deadlocking; the debit's own row lock and its check follow (locking's twin is proved equivalent)"},
	{"async-watermark", DropLock, "transfer", "owner = $3 FOR UPDATE", "transfer has locked both wallets already: the payer's lock again is a no-op"},
	{"async-watermark", DropLock, "worker", "FROM accounts a", "the apply statement takes the row locks itself; locking first only fixes the order it takes them in, against deadlocks with clients (a round that loses one is run again)"},
	{"async-watermark", DropGuard, "worker", "EXISTS (SELECT 1 FROM ledger l", "without the filter the worker locks every account, not only those with unapplied entries: more locking, the same balances"},
	{"async-watermark", SplitTransaction, "worker", "", "the apply is one statement, atomic alone; the lock before it only orders the worker with clients"},
	{"async-watermark", LowerIsolation, "worker", "", "at READ COMMITTED the apply statement may see entries committed after the lock statement; it locks the rows it updates itself, and the watermark is bumped in the same statement as the entries are applied"},
	{"async-watermark", DropOnConflict, "schema", "", "the DDL runs once per schema, on an empty worker_state: the clause never fires"},
	{"async-watermark", DropUnique, "schema", "memberships_unique", "joins of one group are serialized by the group lock, under which the membership check runs (locking's twin is proved equivalent)"},
	{"async-watermark", DropUnique, "schema", "primary key of", "no operation inserts into worlds, accounts or groups, ledger ids come from a sequence, worker_state has one row, and an operation id is recorded by its call's one transaction (locking's twins are proved equivalent)"},
}

// argued returns the argument for m, if docs/guarantees.md has one.
func argued(m Mutation) (Argued, bool) {
	for _, a := range arguedLagging {
		if a.Variant == m.Variant && a.Operator == m.Operator && a.Op == m.Op && strings.Contains(m.Site, a.Site) {
			return a, true
		}
	}
	return Argued{}, false
}

// ArguedMutants lists every argument, for the test that docs/guarantees.md
// gives each one.
func ArguedMutants() []Argued { return arguedLagging }
