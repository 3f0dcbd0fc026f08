package verify

import (
	"jbcheck.dev/jbcheck/harness/schedule"
)

// Standard is a scenario every correct variant must hold in, under bounded
// exploration, and that catches the bug variants it names.
type Standard struct {
	// ID names the scenario in the gate's check IDs (explore/ID): it never
	// changes with --quick or the budget, so CI can follow a check.
	ID      string
	Name    string
	Clients string // schedule.Parse syntax
	World   string // "" for the default world
	Catches []string
	// Strategy explores the scenario; a lagging variant's is lagStrategy.
	Strategy schedule.Strategy
	// Schedules overrides the gate's budget of schedules per scenario.
	Schedules int
	// Faults may be injected between the steps, at most one per schedule
	// (crash points, killed sessions, lost replies: docs/faults.md).
	Faults []string
}

// faultSchedules bounds a fault scenario: a crash costs a restart (a tenth
// of a second or more), and the synchronous variants' fault scenarios are
// complete well within it (12, 6 and 64 schedules for locking).
const faultSchedules = 100

// Standards are the standard scenarios: the two original flaky tests, the
// smallest scenario that shows each known bug, then the races mutation
// testing found the others miss (jbcheck mutate: a mutant of a correct
// variant survived every other scenario; the gate explores these too, so
// that the same regression of a correct variant fails it).
func Standards(quick bool) []Standard {
	// Five joins, as in the original test: locking has 105 schedules with
	// two preemptions, serializable 367 (its retries after serialization
	// failures add some); the budget of 1,500 bounds a variant whose
	// retries would multiply them.
	joins := "c0: join(u0,g0); c1: join(u0,g0); c2: join(u0,g0); c3: join(u0,g0); c4: join(u0,g0)"
	name, schedules := "flaky test 1: concurrent joins by one user (five; three with --quick)", 1500
	if quick {
		joins, schedules = "c0: join(u0,g0); c1: join(u0,g0); c2: join(u0,g0)", 0
	}
	preempt2 := schedule.Strategy{Name: "preempt", K: 2}
	exhaustive := schedule.Strategy{Name: "exhaustive"}
	return []Standard{
		{ID: "flaky-test-1", Name: name, Clients: joins, Catches: []string{"join-check-then-insert"}, Strategy: preempt2, Schedules: schedules},
		{ID: "flaky-test-2", Name: "flaky test 2: a balance read right after a deposit, the worker scheduled", Clients: "c0: deposit(u0,5) balance(u0)",
			Catches: []string{"balance-async-recompute"}, Strategy: exhaustive},
		{ID: "over-capacity", Name: "over capacity: two users, one seat", Clients: "c0: join(u0,g0); c1: join(u1,g0)", World: "users=u0:100,u1:100 groups=g0:cap=1:fee=10",
			Catches: []string{"join-count-then-insert"}, Strategy: preempt2},
		{ID: "lost-update", Name: "lost update: two deposits", Clients: "c0: deposit(u0,5); c1: deposit(u0,7)", Catches: []string{"wallet-read-modify-write"}, Strategy: preempt2},
		{ID: "overdraft", Name: "overdraft: two transfers worth more than the wallet", Clients: "c0: transfer(u0,u1,60); c1: transfer(u0,u1,60)",
			Catches: []string{"transfer-check-then-debit"}, Strategy: preempt2},
		{ID: "double-refund", Name: "double refund: a member leaving twice at once", Clients: "c0: join(u0,g0) leave(u0,g0); c1: leave(u0,g0)",
			Catches: []string{"leave-double-refund"}, Strategy: preempt2},
		// Faults, at every point: the atomicity and durability of one call.
		{ID: "join-cut-off", Name: "a join cut off: a crash or a killed session at every step", Clients: "c0: join(u0,g0)",
			Catches: []string{"join-fee-outside-tx"}, Strategy: exhaustive, Faults: []string{"crash", "kill"}, Schedules: faultSchedules},
		{ID: "crash-after-deposit", Name: "a crash after an acknowledged deposit", Clients: "c0: deposit(u0,5) balance(u0)",
			Catches: []string{"deposit-async-commit"}, Strategy: exhaustive, Faults: []string{"crash"}, Schedules: faultSchedules},
		{ID: "lost-reply", Name: "a deposit whose reply is lost", Clients: "c0: deposit(u0,5); c1: balance(u0)",
			Catches: []string{"deposit-retry-double-credit"}, Strategy: exhaustive, Faults: []string{"lose-reply"}, Schedules: faultSchedules},
		// async-watermark without the row lock on the payer's wallet in join
		// (its group lock does not cover the wallet), or locking without its
		// balance guard in join: two joins of one user to two groups, with
		// the money for one fee, both pay — an overdraft.
		{ID: "one-wallet-two-joins", Name: "one wallet, two joins: one user joins two groups at once, the money for one fee",
			Clients: "c0: join(u0,g0); c1: join(u0,g1)", World: "users=u0:10 groups=g0:cap=2:fee=10,g1:cap=2:fee=10", Strategy: exhaustive},
		// leave split into autocommit statements: a crash or a killed session
		// between its DELETE and its refund leaves a member gone and the fee
		// kept (I6, A); join-cut-off cuts off only a join.
		{ID: "leave-cut-off", Name: "a leave cut off: a crash or a killed session at every step of a join and a leave", Clients: "c0: join(u0,g0) leave(u0,g0)",
			Strategy: exhaustive, Faults: []string{"crash", "kill"}, Schedules: faultSchedules},
	}
}
