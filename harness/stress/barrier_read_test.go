package stress

import (
	"context"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/pgtest"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/workload"
	"jbcheck.dev/jbcheck/model"
)

// TestABarrierReadsWhatAFullAuditReads: the barrier's read — the ledger
// summed only since the previous barrier — gives, barrier after barrier,
// exactly the snapshot protocol.Audit gives by summing the whole ledger.
func TestABarrierReadsWhatAFullAuditReads(t *testing.T) {
	ctx := context.Background()
	v, _ := protocol.Lookup("locking")
	cfg := pgtest.Server(t).ConnConfig()
	protocol.Configure(cfg, v, protocol.SchemaName(v))
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := protocol.Install(ctx, conn, v, protocol.SchemaName(v)); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	specs := map[int64]model.World{}
	var worlds []int64
	for range 2 {
		spec := workload.RandomWorld(rng)
		id, err := protocol.CreateWorld(ctx, conn, spec)
		if err != nil {
			t.Fatal(err)
		}
		worlds, specs[id] = append(worlds, id), spec
	}
	var sums ledgerSums
	for round := range 4 {
		for range 30 {
			w := worlds[rng.IntN(len(worlds))]
			in := workload.RandomInput(rng, specs[w], workload.DefaultMix)
			in.World = w
			if _, err := protocol.Apply(ctx, v, conn, in); err != nil {
				t.Fatal(err)
			}
		}
		snaps, err := sums.read(ctx, conn, worlds)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range worlds {
			full, err := protocol.Audit(ctx, conn, w)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(snaps[w], full) {
				t.Errorf("barrier %d, world %d: read %+v, a full audit %+v", round+1, w, snaps[w], full)
			}
		}
	}
}
