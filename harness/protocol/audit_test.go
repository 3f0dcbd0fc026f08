package protocol_test

import (
	"context"
	"reflect"
	"testing"

	"jbcheck.dev/jbcheck/harness/pgtest"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/model"
)

// TestAuditReadsWhatIsStored: the audit gives back, exactly, what the
// tables hold — including what a correct protocol never stores (a
// membership row twice, a negative balance, a ledger that disagrees with
// the balance) — groups by name, members by user, and an empty world as
// empty collections rather than none. (How its sums agree with an
// independent reading, operation after operation: stress's
// TestABarrierReadsWhatAFullAuditReads.)
func TestAuditReadsWhatIsStored(t *testing.T) {
	v, _ := protocol.Lookup("join-check-then-insert") // no unique index on memberships
	conn := pgtest.Connect(t, v)
	ctx := context.Background()
	spec := model.World{Users: []model.User{{Name: "u1", Opening: 30}, {Name: "u0", Opening: 5}},
		Groups: []model.Group{{Name: "g1", Capacity: 2, Fee: 10}, {Name: "g0", Capacity: 3}}}
	world, err := protocol.CreateWorld(ctx, conn, spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		"INSERT INTO memberships (world, grp, usr) VALUES ($1, 'g1', 'u1'), ($1, 'g1', 'u0'), ($1, 'g1', 'u1')",
		"UPDATE accounts SET balance = -7 WHERE world = $1 AND owner = 'u0'",
		"INSERT INTO ledger (world, kind, owner, delta, reason) VALUES ($1, 'pot', 'g1', 10, 'join'), ($1, 'pot', 'g1', 10, 'join'), ($1, 'wallet', 'u1', 4, 'deposit')",
	} {
		if _, err := conn.Exec(ctx, sql, world); err != nil {
			t.Fatal(err)
		}
	}
	got, err := protocol.Audit(ctx, conn, world)
	if err != nil {
		t.Fatal(err)
	}
	want := model.Snapshot{
		Groups: []model.Group{{Name: "g0", Capacity: 3}, {Name: "g1", Capacity: 2, Fee: 10}},
		Balances: map[model.Account]int64{{Kind: model.Wallet, Owner: "u0"}: -7, {Kind: model.Wallet, Owner: "u1"}: 30,
			{Kind: model.Pot, Owner: "g0"}: 0, {Kind: model.Pot, Owner: "g1"}: 0},
		Ledger:   map[model.Account]int64{{Kind: model.Wallet, Owner: "u0"}: 5, {Kind: model.Wallet, Owner: "u1"}: 34, {Kind: model.Pot, Owner: "g1"}: 20},
		Members:  map[string][]string{"g1": {"u0", "u1", "u1"}},
		Deposits: 39,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("audit:\n got %+v\nwant %+v", got, want)
	}

	empty, err := protocol.CreateWorld(ctx, conn, model.World{Users: []model.User{{Name: "u0"}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err = protocol.Audit(ctx, conn, empty)
	want = model.Snapshot{Groups: []model.Group{}, Balances: map[model.Account]int64{{Kind: model.Wallet, Owner: "u0"}: 0},
		Ledger: map[model.Account]int64{}, Members: map[string][]string{}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("audit of a world with nothing in it: got %+v, %v; want %+v", got, err, want)
	}
}
