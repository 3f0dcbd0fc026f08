package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/report"
	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

// lockingWithoutGroupLock is a deliberately broken copy of locking: its
// join is locking's, minus the SELECT … FOR UPDATE of the group row. It
// claims to be correct; the gate must prove otherwise.
type lockingWithoutGroupLock struct{ protocol.Locking }

func (lockingWithoutGroupLock) Info() protocol.Info {
	return protocol.Info{Name: "test-locking-without-group-lock", Summary: "locking with the group lock of join removed (a test's mutant)"}
}

func (lockingWithoutGroupLock) Join(ctx context.Context, conn *pgx.Conn, world int64, user, group string) (model.Result, error) {
	result := model.InsufficientFunds
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		var capacity, count int
		var fee int64
		var member bool
		// locking reads the group FOR UPDATE first; this reads it plainly.
		if err := tx.QueryRow(ctx, `SELECT capacity, fee,
				EXISTS (SELECT 1 FROM memberships WHERE world = $1 AND grp = $2 AND usr = $3),
				(SELECT count(*) FROM memberships WHERE world = $1 AND grp = $2)
			FROM groups WHERE world = $1 AND name = $2`, world, group, user).Scan(&capacity, &fee, &member, &count); err != nil {
			return err
		}
		switch {
		case member:
			result = model.AlreadyMember
			return nil
		case count >= capacity:
			result = model.Full
			return nil
		}
		tag, err := tx.Exec(ctx, `WITH debited AS (
				UPDATE accounts SET balance = balance - $4 WHERE world = $1 AND kind = 'wallet' AND owner = $2 AND balance >= $4 RETURNING world),
			credited AS (
				UPDATE accounts SET balance = balance + $4 WHERE world = $1 AND kind = 'pot' AND owner = $3 AND EXISTS (SELECT 1 FROM debited)),
			joined AS (INSERT INTO memberships (world, grp, usr) SELECT $1, $3, $2 FROM debited)
			INSERT INTO ledger (world, kind, owner, delta, reason)
			SELECT $1, e.kind, e.owner, e.delta, 'join'
			FROM debited, (VALUES ('wallet', $2, -$4::bigint), ('pot', $3, $4::bigint)) AS e(kind, owner, delta)`, world, user, group, fee)
		if err == nil && tag.RowsAffected() == 2 {
			result = model.Joined
		}
		return err
	})
	return result, err
}

// TestVerifyCatchesABrokenCopyOfLocking: registered next to the shipped
// variants, a copy of locking without its group lock makes jbcheck verify
// fail, with a minimal counterexample (two joins) in the report; locking
// itself, checked in the same run, still holds.
func TestVerifyCatchesABrokenCopyOfLocking(t *testing.T) {
	if _, err := protocol.Lookup(lockingWithoutGroupLock{}.Info().Name); err != nil {
		protocol.Register(lockingWithoutGroupLock{}) // once, even with -count=N
	}
	dir := t.TempDir()
	err := dispatch(context.Background(), []string{"verify", "--quick", "--seed", "7", "--variants", "locking,test-locking-without-group-lock,join-count-then-insert", "--out", dir})
	if !errors.Is(err, errViolation) {
		t.Fatalf("verify: got %v, want a failed gate", err)
	}
	var g report.Gate
	text, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(text, &g); err != nil {
		t.Fatal(err)
	}
	if g.Passed || !strings.Contains(g.Verdict, "test-locking-without-group-lock failed") {
		t.Errorf("verdict %q: want it to name the broken copy", g.Verdict)
	}
	minimal := false
	for _, c := range g.Checks {
		switch c.Variant {
		case "locking":
			if !c.Passed {
				t.Errorf("locking failed %s: %s", c.Name, c.Detail)
			}
		case "join-count-then-insert":
			if !c.Passed {
				t.Errorf("join-count-then-insert escaped %s", c.Name)
			}
		case "test-locking-without-group-lock":
			if c.Passed || c.Files == nil {
				continue
			}
			h, err := histories.ReadFile(filepath.Join(dir, c.Files.History))
			if err != nil {
				t.Fatal(err)
			}
			joins := 0
			for _, e := range h.Events {
				if e.Type == histories.Invoke && e.Op == model.OpJoin {
					joins++
				}
			}
			if len(h.Events) == 4 && joins == 2 && c.Statuses[model.Capacity] == histories.Violated {
				minimal = true
			}
			for _, f := range []string{c.Files.History, c.Files.Picture, c.BugReport} {
				if _, err := os.Stat(filepath.Join(dir, f)); f == "" || err != nil {
					t.Errorf("%s: counterexample file %q missing: %v", c.Name, f, err)
				}
			}
		}
	}
	if !minimal {
		t.Errorf("no minimal counterexample (two joins over capacity) for the broken copy in %s", dir)
	}
	checkJUnitAndIndex(t, dir, g)
}

// checkJUnitAndIndex: junit.xml parses as JUnit XML with one test case per
// variant × check and a failure per failed check, and index.html links
// every counterexample file.
func checkJUnitAndIndex(t *testing.T, dir string, g report.Gate) {
	t.Helper()
	text, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var suites report.JUnitSuites
	if err := xml.Unmarshal(text, &suites); err != nil {
		t.Fatalf("junit.xml does not parse: %v", err)
	}
	cases, failures := 0, 0
	for _, s := range suites.Suites {
		for _, c := range s.Cases {
			cases++
			if c.Failure != nil {
				failures++
			}
		}
	}
	failed := 0
	for _, c := range g.Checks {
		if !c.Passed {
			failed++
		}
	}
	if suites.XMLName.Local != "testsuites" || cases != len(g.Checks) || failures != failed || suites.Failures != failed {
		t.Errorf("junit.xml: %d cases, %d failures (attribute %d); want %d and %d", cases, failures, suites.Failures, len(g.Checks), failed)
	}
	index, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	links := map[string]bool{}
	for _, m := range regexp.MustCompile(`href="([^"]+)"`).FindAllStringSubmatch(string(index), -1) {
		links[m[1]] = true
	}
	for _, c := range g.Checks {
		if c.Files == nil {
			continue
		}
		for _, f := range []string{c.Files.History, c.Files.Picture, c.Files.Transcript, c.BugReport} {
			if f != "" && !links[f] {
				t.Errorf("index.html does not link %s", f)
			}
		}
	}
}
