package postgres

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// PgbenchSelectOnly runs pgbench's built-in select-only transaction (-S: one
// primary-key SELECT) with one client for d against the server cfg reaches
// (the harness' own database by default: pass nil), and returns its
// transactions per second. It is the yardstick of one client's statement
// round trip on this machine, which nothing that runs one statement at a
// time can beat. The pgbench tables are made once per database (-i, scale 1)
// with the same connection settings.
func (s *Server) PgbenchSelectOnly(ctx context.Context, cfg *pgx.ConnConfig, d time.Duration) (float64, error) {
	if cfg == nil {
		cfg = s.ConnConfig()
	}
	bin, err := FindBinaries("")
	if err != nil {
		return 0, err
	}
	pgbench := bin.Path("pgbench")
	target := []string{"-h", cfg.Host, "-p", strconv.Itoa(int(cfg.Port)), "-U", cfg.User}
	env := []string{"PGPASSWORD=" + cfg.Password} // the environment, never the command line
	if _, err := runPgbench(ctx, pgbench, env, append(target, "-i", "-q", "-s", "1", cfg.Database)...); err != nil {
		return 0, err
	}
	out, err := runPgbench(ctx, pgbench, env, append(target, "-n", "-S", "-c", "1", "-j", "1",
		"-T", strconv.Itoa(max(1, int(d.Round(time.Second).Seconds()))), cfg.Database)...)
	if err != nil {
		return 0, err
	}
	m := tpsLine.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("pgbench: no tps line in its output:\n%s", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

var tpsLine = regexp.MustCompile(`(?m)^tps = ([0-9.]+)`)

func runPgbench(ctx context.Context, pgbench string, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, pgbench, args...)
	cmd.Env = append(cmd.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("pgbench %v: %w\n%s", args, err, out.Bytes())
	}
	return out.Bytes(), nil
}
