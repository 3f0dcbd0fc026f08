package postgres

import (
	"context"
	"testing"
	"time"
)

// BenchmarkClusterStart measures a whole embedded cluster's life: initdb,
// postmaster start until it accepts connections, then Stop.
func BenchmarkClusterStart(b *testing.B) {
	for b.Loop() {
		s, err := Start(context.Background(), Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Stop(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPgbenchSelectOnly is pgbench -S with one client on an embedded
// cluster: the round-trip yardstick that schedule mode's statement rate is
// compared with (harness/schedule's BenchmarkTwoClientJoin reports both in
// one run).
func BenchmarkPgbenchSelectOnly(b *testing.B) {
	s, err := Start(context.Background(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Stop()
	var tps float64
	for b.Loop() {
		if tps, err = s.PgbenchSelectOnly(context.Background(), nil, 2*time.Second); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(tps, "tps")
}
