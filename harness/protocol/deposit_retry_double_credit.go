package protocol

import (
	"context"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/model"
)

func init() { Register(DepositRetryDoubleCredit{}) }

// DepositRetryDoubleCredit is locking whose deposit ignores the call's
// operation id: when a reply is lost and the caller sends the deposit
// again, it is credited twice. The books agree with themselves — two
// ledger entries, two credits — but the stored balance is one no order of
// the calls reaches (L).
type DepositRetryDoubleCredit struct{ Locking }

// Info implements Variant.
func (DepositRetryDoubleCredit) Info() Info {
	return Info{Name: "deposit-retry-double-credit",
		Summary:   "BUG: deposit has no idempotency key, so a deposit retried after a lost reply is credited twice",
		FaultOnly: true,
		Breaks:    []model.Guarantee{model.Linearizable}}
}

// Deposit implements Variant.
func (DepositRetryDoubleCredit) Deposit(ctx context.Context, conn *pgx.Conn, world int64, user string, amount int64) error {
	return synchronous{}.post(ctx, conn, world, "deposit", entry{wallet(user), amount})
}
