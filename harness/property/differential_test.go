package property_test

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"pgregory.net/rapid"

	"jbcheck.dev/jbcheck/harness/pgtest"
	"jbcheck.dev/jbcheck/harness/property"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/model"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestPropertyDifferential: every correct variant gives the model's answers
// and stores the model's state, call after call, on a real server.
func TestPropertyDifferential(t *testing.T) {
	for _, v := range pgtest.Correct() {
		t.Run(v.Info().Name, func(t *testing.T) {
			conn := pgtest.Connect(t, v)
			pgtest.StartWorker(t, v)
			rapid.Check(t, property.Differential(context.Background(), conn, v, nil))
		})
	}
}

// keepsTheFee is locking with a leave that forgets the refund: a bug the
// differential property must catch and shrink.
type keepsTheFee struct{ protocol.Locking }

func (keepsTheFee) Info() protocol.Info {
	return protocol.Info{Name: "test-keeps-the-fee", Breaks: []model.Guarantee{model.Conservation}}
}

func (keepsTheFee) Leave(ctx context.Context, conn *pgx.Conn, world int64, user, group string) (model.Result, error) {
	tag, err := conn.Exec(ctx, "DELETE FROM memberships WHERE world = $1 AND grp = $2 AND usr = $3", world, group, user)
	if err != nil || tag.RowsAffected() == 0 {
		return model.NotMember, err
	}
	return model.Left, nil
}

// TestPropertyDifferentialShrinksABug: a variant that keeps the fee on leave
// fails the property, and rapid shrinks the calls to the two that show it —
// a join, then a leave — with at most a deposit before them (rapid may shrink
// the opening balance to 0 first and then need a deposit to pay the fee).
func TestPropertyDifferentialShrinksABug(t *testing.T) {
	var v protocol.Variant = keepsTheFee{}
	conn := pgtest.Connect(t, v)
	var minimal []model.Input
	got := property.Falsify(t.Name(), property.Options{}, property.Differential(context.Background(), conn, v, func(calls []model.Input) {
		minimal = calls
	}))
	if !got.Failed {
		t.Fatal("the property held for a variant that keeps the fee on leave")
	}
	n := len(minimal)
	if n < 2 || n > 3 || minimal[n-2].Op != model.OpJoin || minimal[n-1].Op != model.OpLeave {
		t.Errorf("shrunk to %v, want at most 3 calls ending with join, leave\nrapid said:\n%s", minimal, got.Report)
	}
}
