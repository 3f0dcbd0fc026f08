package app_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"jbcheck.dev/jbcheck/harness/app"
	"jbcheck.dev/jbcheck/harness/pgtest"
	"jbcheck.dev/jbcheck/harness/workload"
	"jbcheck.dev/jbcheck/histories"
)

// TestCloseLeavesNoProcess: closing an application ends its service's
// whole process group — a command that starts children (here a shell
// that runs the service) leaves none behind.
func TestCloseLeavesNoProcess(t *testing.T) {
	needNode(t)
	cfg, err := app.Load(example("fixed.json"))
	if err != nil {
		t.Fatal(err)
	}
	// A shell that starts the service as its child and waits for it.
	cfg.Service.Command = []string{"sh", "-c", "node src/server.js & wait"}
	a, err := app.Open(context.Background(), pgtest.Server(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	pgid := a.Process().PID()
	if err := syscall.Kill(-pgid, 0); err != nil {
		t.Fatalf("the service's process group is not there while it runs: %v", err)
	}
	a.Close()
	// SIGKILL is delivered at once, but a killed process is gone from the
	// process table only once it is no longer running: look a while.
	var left []string
	for range 50 {
		if left = alive(t, pgid); len(left) == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(left) > 0 {
		t.Fatalf("processes of the service's group %d are left after Close: %v", pgid, left)
	}
	if exited, _ := a.Process().Exited(); !exited {
		t.Fatal("the service has not exited")
	}
}

// TestStressFixed: jbcheck run --app's stress run on the fixed service —
// concurrent HTTP calls, the relay passing them through — records every
// call and a quiescent final audit of every world, and every guarantee
// holds.
func TestStressFixed(t *testing.T) {
	a := open(t, "fixed.json")
	var history bytes.Buffer
	sum, err := a.Stress(context.Background(), app.Stress{Clients: 4, Worlds: 2, Ops: 200, Seed: 1, Mix: workload.DefaultMix, History: &history})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Ops != 200 || !sum.Quiescent {
		t.Fatalf("%d operations, quiescent %v", sum.Ops, sum.Quiescent)
	}
	h, err := histories.Read(&history, "stress")
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Audits) != 2 {
		t.Fatalf("%d final audits, want one per world", len(h.Audits))
	}
	if v := histories.Check(h, histories.CheckOptions{}); len(v.Violated()) > 0 {
		t.Fatalf("the fixed service violated %v", v.Violated())
	}
}

// alive lists the processes of group pgid that are not zombies (a zombie
// whose parent is gone waits for the init process to reap it: it runs
// nothing).
func alive(t *testing.T, pgid int) []string {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, path := range stats {
		data, err := os.ReadFile(path)
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid pgrp …: comm may hold spaces, so split after ")".
		text := string(data)
		fields := strings.Fields(text[strings.LastIndexByte(text, ')')+1:])
		if len(fields) > 2 && fields[2] == strconv.Itoa(pgid) && fields[0] != "Z" {
			out = append(out, strings.TrimSpace(text[:strings.LastIndexByte(text, ')')+1]))
		}
	}
	return out
}
