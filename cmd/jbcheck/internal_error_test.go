package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/report"
	"jbcheck.dev/jbcheck/model"
)

// panickingBalance is locking whose balance read panics: a fault in the code
// a session runs, which no verdict may hide.
type panickingBalance struct{ protocol.Locking }

func (panickingBalance) Info() protocol.Info {
	return protocol.Info{Name: "test-panicking-balance", Summary: "test: a balance read panics"}
}

func (panickingBalance) Balance(context.Context, *pgx.Conn, int64, model.Account) (int64, error) {
	panic("a balance read that panics")
}

// TestAnInternalErrorIsNoVerdict: a session that panics is an internal error
// — exit 2, never "held" or "violated" — for explore, and for verify, which
// reports it for the check and goes on with the other variants; nothing
// tells the user to pass go test flags.
func TestAnInternalErrorIsNoVerdict(t *testing.T) {
	if _, err := protocol.Lookup(panickingBalance{}.Info().Name); err != nil {
		protocol.Register(panickingBalance{})
	}
	err := dispatch(context.Background(), []string{"explore", "--variant", "test-panicking-balance",
		"--scenario", "c0: deposit(u0,5); c1: balance(u0)", "--out", t.TempDir()})
	if exitStatus(err) != 2 || !strings.Contains(err.Error(), "internal error") {
		t.Errorf("explore: exit %d, %v; want exit 2 and an internal error", exitStatus(err), err)
	}

	dir := filepath.Join(t.TempDir(), "report")
	err = dispatch(context.Background(), []string{"verify", "--quick", "--seed", "3", "--variants", "test-panicking-balance,locking", "--out", dir})
	if exitStatus(err) != 2 || !strings.Contains(err.Error(), "internal error") {
		t.Errorf("verify: exit %d, %v; want exit 2 and an internal error", exitStatus(err), err)
	}
	var g report.Gate
	text, rerr := os.ReadFile(filepath.Join(dir, "summary.json"))
	if rerr != nil {
		t.Fatal(rerr)
	}
	if err := json.Unmarshal(text, &g); err != nil {
		t.Fatal(err)
	}
	broken, lockingChecks := 0, 0
	for _, c := range g.Checks {
		switch {
		case strings.Contains(c.Detail, "-rapid.") || strings.Contains(c.Error, "-rapid."):
			t.Errorf("%s tells a CLI user to pass go test flags: %s", c.Name, c.Detail)
		case c.Variant == "test-panicking-balance" && c.Error != "":
			broken++
		case c.Variant == "locking" && c.Passed:
			lockingChecks++
		}
	}
	if broken == 0 || lockingChecks == 0 || g.Passed {
		t.Errorf("%d broken checks, %d passing checks of locking, passed %v: want the error reported and the gate to go on, and fail", broken, lockingChecks, g.Passed)
	}
}
