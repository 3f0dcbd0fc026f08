package wire_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/pgtest"
	"jbcheck.dev/jbcheck/harness/wire"
)

// BenchmarkRelayPgbench runs pgbench -S (one primary-key SELECT per
// transaction, the simple protocol) with one client directly against the
// embedded cluster's socket and through a relay that holds nothing,
// listening on a Unix socket as the server does, in the same run:
// direct-tps, relay-tps and their ratio. The machine's load drifts: the
// two are measured for a second each in the order direct, relay, relay,
// direct, twice, and averaged, which cancels a steady drift. (Each
// pgbench run makes its tables first: a run of the benchmark takes about
// half a minute.)
func BenchmarkRelayPgbench(b *testing.B) {
	const rounds = 2
	srv := pgtest.Server(b)
	dir := b.TempDir()
	startRelay(b, wire.Config{Listen: dir})
	through := srv.ConnConfig()
	through.Host, through.Port = dir, 5432
	ctx := context.Background()
	measure := func(cfg *pgx.ConnConfig) float64 {
		tps, err := srv.PgbenchSelectOnly(ctx, cfg, time.Second)
		if err != nil {
			b.Fatal(err)
		}
		return tps
	}
	var direct, relayed float64
	for b.Loop() {
		direct, relayed = 0, 0
		for range rounds {
			direct += measure(nil)
			relayed += measure(through) + measure(through)
			direct += measure(nil)
		}
	}
	b.ReportMetric(direct/(2*rounds), "direct-tps")
	b.ReportMetric(relayed/(2*rounds), "relay-tps")
	b.ReportMetric(relayed/direct, "ratio")
}
