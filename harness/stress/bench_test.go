package stress_test

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"

	"jbcheck.dev/jbcheck/harness/pgtest"
	"jbcheck.dev/jbcheck/harness/postgres"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/stress"
	"jbcheck.dev/jbcheck/harness/workload"
)

// benchClients is the client count of both sides of the comparison.
const benchClients = 8

// BenchmarkStressVsPgbench runs, side by side on the same embedded cluster,
// the stress runner on a transfer-heavy locking workload and pgbench's
// built-in tpcb-like script, at the same client count and for the same time.
// It reports both rates and their ratio: how much of the server's plain
// transaction rate the harness (recording every operation) achieves.
func BenchmarkStressVsPgbench(b *testing.B) {
	server := pgtest.Server(b)
	bin, err := postgres.FindBinaries("")
	if err != nil {
		b.Fatal(err)
	}
	cfg := server.ConnConfig()
	pgbench := func(args ...string) ([]byte, error) {
		base := []string{"-h", cfg.Host, "-p", strconv.Itoa(int(cfg.Port)), "-U", cfg.User}
		return exec.Command(bin.Path("pgbench"), append(base, append(args, cfg.Database)...)...).CombinedOutput()
	}
	// Scale = clients, as pgbench advises: at scale 1 every transaction queues
	// on the single branch row and the comparison would flatter the harness.
	if out, err := pgbench("-i", "-q", "-s", strconv.Itoa(benchClients)); err != nil {
		b.Fatalf("pgbench -i: %v\n%s", err, out)
	}
	v, _ := protocol.Lookup("locking")
	mix, _ := workload.ParseMix("transfer=80,balance=20")
	const each = 3 * time.Second
	tpsLine := regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)
	var opsRate, tps float64
	for b.Loop() {
		summary, err := stress.Run(context.Background(), stress.Config{Server: server, Variant: v, Clients: benchClients,
			Worlds: 16, Duration: each, Seed: 1, Mix: mix, History: io.Discard})
		if err != nil {
			b.Fatal(err)
		}
		opsRate += summary.OpsPerSecond()
		out, err := pgbench("-n", "-b", "tpcb-like", "-c", strconv.Itoa(benchClients), "-j", "2", "-T", fmt.Sprint(int(each.Seconds())))
		m := tpsLine.FindSubmatch(out)
		if err != nil || m == nil {
			b.Fatalf("pgbench: %v\n%s", err, out)
		}
		rate, _ := strconv.ParseFloat(string(m[1]), 64)
		tps += rate
	}
	n := float64(b.N)
	b.ReportMetric(opsRate/n, "stress-ops/s")
	b.ReportMetric(tps/n, "pgbench-tps")
	b.ReportMetric(opsRate/tps, "ratio")
	b.ReportMetric(0, "ns/op")
}
