package wire_test

import (
	"context"
	"testing"
	"time"

	"jbcheck.dev/jbcheck/harness/pgtest"
	"jbcheck.dev/jbcheck/harness/wire"
)

// BenchmarkRelayPgbench runs pgbench -S (one primary-key SELECT per
// transaction, the simple protocol) with one client for three seconds
// directly against the embedded cluster's socket, then as long through a
// relay that holds nothing, listening on a Unix socket as the server does:
// direct-tps, relay-tps and their ratio, measured in the same run.
func BenchmarkRelayPgbench(b *testing.B) {
	srv := pgtest.Server(b)
	r := startRelay(b, wire.Config{Listen: b.TempDir()})
	through := srv.ConnConfig()
	through.Host, through.Port = r.Addr()[:len(r.Addr())-len("/.s.PGSQL.5432")], 5432
	ctx := context.Background()
	var direct, relayed float64
	for b.Loop() {
		var err error
		if direct, err = srv.PgbenchSelectOnly(ctx, nil, 3*time.Second); err != nil {
			b.Fatal(err)
		}
		if relayed, err = srv.PgbenchSelectOnly(ctx, through, 3*time.Second); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(direct, "direct-tps")
	b.ReportMetric(relayed, "relay-tps")
	b.ReportMetric(relayed/direct, "ratio")
}
