package protocol_test

import (
	"context"
	"testing"

	"jbcheck.dev/jbcheck/harness/pgtest"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/model"
)

// BenchmarkLockingSequential runs the six operations in turn, one at a time
// on one connection, against the locking variant: one op is one call.
func BenchmarkLockingSequential(b *testing.B) {
	v, _ := protocol.Lookup("locking")
	conn := pgtest.Connect(b, v)
	ctx := context.Background()
	spec := model.World{
		Users:  []model.User{{Name: "u0", Opening: 1 << 40}, {Name: "u1", Opening: 1 << 40}},
		Groups: []model.Group{{Name: "g0", Capacity: 2, Fee: 10}},
	}
	world, err := protocol.CreateWorld(ctx, conn, spec)
	if err != nil {
		b.Fatal(err)
	}
	calls := []model.Input{
		{World: world, Op: model.OpJoin, User: "u0", Group: "g0"},
		{World: world, Op: model.OpDeposit, User: "u1", Amount: 5},
		{World: world, Op: model.OpTransfer, User: "u0", To: "u1", Amount: 3},
		{World: world, Op: model.OpBalance, User: "u0"},
		{World: world, Op: model.OpMembers, Group: "g0"},
		{World: world, Op: model.OpLeave, User: "u0", Group: "g0"},
	}
	i := 0
	for b.Loop() {
		if _, err := protocol.Apply(ctx, v, conn, calls[i%len(calls)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}
