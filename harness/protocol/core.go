package protocol

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"jbcheck.dev/jbcheck/model"
)

// core holds the transaction bodies that the correct variants share. Its zero
// value is the locking design; the fields change only how it isolates and
// keeps its books, never the protocol's logic, which lives here once.
type core struct {
	// optimistic skips the group lock of join and leave (SELECT … FOR
	// UPDATE) and relies on the isolation level instead.
	optimistic bool
	// isolation, when set, is the session's default_transaction_isolation.
	isolation string
	// retries is how many times an operation is retried after a
	// serialization failure or a deadlock (SQLSTATE 40001, 40P01).
	retries int
	// books keeps the money; nil means synchronous bookkeeping on the
	// balance column.
	books books
}

// SessionSettings are run-time parameters for the clients' sessions, sent at
// connection start (see Configure).
func (c core) SessionSettings() map[string]string {
	if c.isolation == "" {
		return nil
	}
	return map[string]string{"default_transaction_isolation": c.isolation}
}

// Schema implements Variant.
func (c core) Schema() string { return c.keeper().schema() }

func (c core) keeper() books {
	if c.books == nil {
		return synchronous{}
	}
	return c.books
}

// do runs body in a transaction, or alone when tx is false, and retries it
// after a serialization failure or deadlock. Sleeps between tries come from
// the context's Sleeper, so a scheduler can make them zero.
func (c core) do(ctx context.Context, conn *pgx.Conn, tx bool, body func(q querier) error) error {
	for attempt := 0; ; attempt++ {
		var err error
		if tx {
			err = inTransaction(ctx, conn, pgx.TxOptions{}, body)
		} else {
			err = autocommit(ctx, conn, body)
		}
		if err == nil || attempt >= c.retries || !Retryable(err) {
			return err
		}
		// Bounded, jittered exponential backoff: 1, 2, 4 … 64 ms, ±50 %.
		backoff := time.Millisecond << min(attempt, 6)
		Sleep(ctx, backoff/2+time.Duration(rand.Int64N(int64(backoff))))
	}
}

// Retryable reports whether err is a serialization failure or a deadlock:
// the transaction was rolled back and may simply be run again.
func Retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

// lockGroup reads a group's capacity and fee and, unless optimistic, locks
// its row for the rest of the transaction.
func (c core) lockGroup(ctx context.Context, q querier, world int64, group string) (capacity int, fee int64, err error) {
	sql := "SELECT capacity, fee FROM groups WHERE world = $1 AND name = $2"
	if !c.optimistic {
		sql += " FOR UPDATE"
	}
	err = q.QueryRow(ctx, sql, world, group).Scan(&capacity, &fee)
	return capacity, fee, err
}

// Join implements Variant.
func (c core) Join(ctx context.Context, conn *pgx.Conn, world int64, user, group string) (model.Result, error) {
	var result model.Result
	err := c.do(ctx, conn, true, once(ctx, world, &result, func(q querier) error {
		g, err := c.readGroup(ctx, q, world, group, user)
		if err != nil {
			return err
		}
		switch {
		case g.member:
			result = model.AlreadyMember
			return nil
		case g.count >= g.capacity:
			result = model.Full
			return nil
		}
		// The fee and the membership go in one statement.
		paid, err := c.keeper().payIfCovered(ctx, q, world, wallet(user), pot(group), g.fee, "join", &membership{group, user})
		if err == nil && paid {
			result = model.Joined
		} else {
			result = model.InsufficientFunds
		}
		return err
	}))
	return result, c.settled(ctx, conn, err)
}

// groupView is what join checks.
type groupView struct {
	capacity, count int
	fee             int64
	member          bool
}

// readGroup reads a group's capacity, fee, member count and whether user is a
// member. Locking, it first locks the group row and then reads the members in
// a second statement, which in READ COMMITTED takes a fresh snapshot: one
// statement would count the members as they were before it waited for the
// lock. Optimistic, it is one statement.
func (c core) readGroup(ctx context.Context, q querier, world int64, group, user string) (groupView, error) {
	var g groupView
	const members = `EXISTS (SELECT 1 FROM memberships WHERE world = $1 AND grp = $2 AND usr = $3),
		(SELECT count(*) FROM memberships WHERE world = $1 AND grp = $2)`
	if c.optimistic {
		err := q.QueryRow(ctx, "SELECT capacity, fee, "+members+" FROM groups WHERE world = $1 AND name = $2",
			world, group, user).Scan(&g.capacity, &g.fee, &g.member, &g.count)
		return g, err
	}
	var err error
	if g.capacity, g.fee, err = c.lockGroup(ctx, q, world, group); err != nil {
		return g, err
	}
	err = q.QueryRow(ctx, "SELECT "+members, world, group, user).Scan(&g.member, &g.count)
	return g, err
}

// Leave implements Variant.
func (c core) Leave(ctx context.Context, conn *pgx.Conn, world int64, user, group string) (model.Result, error) {
	var result model.Result
	err := c.do(ctx, conn, true, once(ctx, world, &result, func(q querier) error {
		_, fee, err := c.lockGroup(ctx, q, world, group)
		if err != nil {
			return err
		}
		tag, err := q.Exec(ctx, "DELETE FROM memberships WHERE world = $1 AND grp = $2 AND usr = $3", world, group, user)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			result = model.NotMember
			return nil
		}
		result = model.Left
		return c.keeper().post(ctx, q, world, "leave", entry{wallet(user), fee}, entry{pot(group), -fee})
	}))
	return result, c.settled(ctx, conn, err)
}

// Deposit implements Variant: one statement, atomic on its own — in a
// transaction with its operation record when the caller named the call.
func (c core) Deposit(ctx context.Context, conn *pgx.Conn, world int64, user string, amount int64) error {
	result := model.OK
	err := c.do(ctx, conn, OperationID(ctx) != "", once(ctx, world, &result, func(q querier) error {
		return c.keeper().post(ctx, q, world, "deposit", entry{wallet(user), amount})
	}))
	return c.settled(ctx, conn, err)
}

// Transfer implements Variant.
func (c core) Transfer(ctx context.Context, conn *pgx.Conn, world int64, from, to string, amount int64) (model.Result, error) {
	var result model.Result
	err := c.do(ctx, conn, true, once(ctx, world, &result, func(q querier) error {
		// Both wallets, in name order, so that opposite transfers cannot
		// deadlock (a deadlock costs a second: PostgreSQL's deadlock_timeout).
		if _, err := q.Exec(ctx, `SELECT 1 FROM accounts WHERE world = $1 AND kind = 'wallet' AND owner IN ($2, $3)
			ORDER BY owner FOR UPDATE`, world, from, to); err != nil {
			return err
		}
		paid, err := c.keeper().payIfCovered(ctx, q, world, wallet(from), wallet(to), amount, "transfer", nil)
		if err == nil && paid {
			result = model.OK
		} else {
			result = model.InsufficientFunds
		}
		return err
	}))
	return result, c.settled(ctx, conn, err)
}

// Balance implements Variant.
func (c core) Balance(ctx context.Context, conn *pgx.Conn, world int64, account model.Account) (int64, error) {
	if err := c.keeper().settle(ctx, conn); err != nil {
		return 0, err
	}
	var amount int64
	err := c.do(ctx, conn, false, func(q querier) error {
		var err error
		amount, err = readBalance(ctx, q, world, account)
		return err
	})
	return amount, err
}

// Members implements Variant.
func (c core) Members(ctx context.Context, conn *pgx.Conn, world int64, group string) ([]string, error) {
	var members []string
	err := c.do(ctx, conn, false, func(q querier) error {
		var err error
		members, err = readMembers(ctx, q, world, group)
		return err
	})
	return members, err
}

// settled waits, after a write that succeeded, until the books show it.
func (c core) settled(ctx context.Context, conn *pgx.Conn, err error) error {
	if err != nil {
		return err
	}
	return c.keeper().settle(ctx, conn)
}
