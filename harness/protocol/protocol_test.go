package protocol_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"jbcheck.dev/jbcheck/harness/pgtest"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/model"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestLookupOfAnUnknownVariantListsTheKnownOnes(t *testing.T) {
	_, err := protocol.Lookup("no-such-variant")
	if !errors.Is(err, protocol.ErrUnknownVariant) || !strings.Contains(err.Error(), "locking") {
		t.Errorf("got %v, want ErrUnknownVariant naming locking", err)
	}
}

func TestInstallTwiceIsHarmless(t *testing.T) {
	v, _ := protocol.Lookup("locking")
	conn := pgtest.Connect(t, v)
	if err := protocol.Install(context.Background(), conn, v, protocol.SchemaName(v)); err != nil {
		t.Fatal(err)
	}
}

func TestWorldsAreIsolated(t *testing.T) {
	v, _ := protocol.Lookup("locking")
	conn := pgtest.Connect(t, v)
	ctx := context.Background()
	spec := model.World{Users: []model.User{{Name: "u0", Opening: 50}}, Groups: []model.Group{{Name: "g0", Capacity: 1, Fee: 10}}}
	a, errA := protocol.CreateWorld(ctx, conn, spec)
	b, errB := protocol.CreateWorld(ctx, conn, spec)
	if errA != nil || errB != nil || a == b {
		t.Fatalf("worlds %d, %d: %v %v", a, b, errA, errB)
	}
	if _, err := protocol.Apply(ctx, v, conn, model.Input{World: a, Op: model.OpJoin, User: "u0", Group: "g0"}); err != nil {
		t.Fatal(err)
	}
	got, err := protocol.Apply(ctx, v, conn, model.Input{World: b, Op: model.OpJoin, User: "u0", Group: "g0"})
	if err != nil || got.Result != model.Joined {
		t.Errorf("join in world b after a join in world a: got %v, %v; want joined", got, err)
	}
}
