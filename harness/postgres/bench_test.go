package postgres

import (
	"context"
	"testing"
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
