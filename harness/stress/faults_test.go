package stress_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/fault"
	"jbcheck.dev/jbcheck/harness/pgtest"
	"jbcheck.dev/jbcheck/harness/postgres"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/stress"
	"jbcheck.dev/jbcheck/harness/workload"
	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

func allFaults(t *testing.T) []fault.Fault {
	t.Helper()
	faults, err := fault.Parse(strings.Join(fault.Names(), ","))
	if err != nil {
		t.Fatal(err)
	}
	return faults
}

// TestEveryFaultKeepsEveryGuarantee: locking under every fault for a few
// seconds keeps every guarantee, D and A included; the faults are in the
// history, calls were cut off, and the server is left running, nothing of
// it stopped or orphaned.
func TestEveryFaultKeepsEveryGuarantee(t *testing.T) {
	v, _ := protocol.Lookup("locking")
	summary, h, verdict := runAndRead(t, context.Background(), stress.Config{Variant: v, Clients: 6, Worlds: 3, Duration: 5 * time.Second, Seed: 7,
		Faults: allFaults(t), FaultInterval: 100 * time.Millisecond})
	t.Logf("%d calls (%d ok, %d fail, %d info, %d sent again), faults %v (%d missed)",
		summary.Ops, summary.OK, summary.Fail, summary.Info, summary.Retried, summary.Faults, summary.FaultsMissed)
	if !verdict.Passed() {
		t.Errorf("statuses %v, findings %+v", verdict.Statuses, verdict.Findings)
	}
	for _, g := range []model.Guarantee{model.Durability, model.Atomicity} {
		if verdict.Status(g) != histories.Held {
			t.Errorf("%s is %s after crashes, want held", g, verdict.Status(g))
		}
	}
	kinds := map[string]int64{}
	for _, e := range h.Faults {
		kinds[e.Fault]++
	}
	if len(h.Faults) == 0 || fmt.Sprint(kinds) != fmt.Sprint(summary.Faults) {
		t.Errorf("fault events by kind %v, the summary says %v", kinds, summary.Faults)
	}
	if summary.Info+summary.Retried == 0 {
		t.Error("no call was cut off")
	}
	if summary.OK < summary.Ops/2 {
		t.Errorf("only %d of %d calls ok", summary.OK, summary.Ops)
	}
	checkServerLeftRunning(t, pgtest.Server(t))
}

// checkServerLeftRunning: no process of the cluster is stopped, and all of
// them are the children of one postmaster (an orphan of a crashed server
// would hang from init).
func checkServerLeftRunning(t *testing.T, server *postgres.Server) {
	t.Helper()
	if stopped := postgres.Stopped(server.DataDir()); len(stopped) > 0 {
		t.Errorf("processes %v of the cluster are stopped", stopped)
	}
	pids := postgres.Processes(server.DataDir())
	var roots []int
	for _, pid := range pids {
		if ppid := parent(pid); ppid != 0 && !slices.Contains(pids, ppid) {
			roots = append(roots, pid)
		}
	}
	if len(roots) != 1 {
		t.Errorf("%d processes of the cluster hang from outside it: %v (want only the postmaster)", len(roots), roots)
	}
	conn, err := server.Connect(context.Background())
	if err != nil {
		t.Fatalf("the server takes no connection after the run: %v", err)
	}
	conn.Close(context.Background())
}

func parent(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
}

// TestALostReplyIsRetriedUnderItsOperationID: every call has an operation
// id of its own; a call whose reply was lost is sent again, once, under the
// same id, and its completion says so.
func TestALostReplyIsRetriedUnderItsOperationID(t *testing.T) {
	inner, _ := protocol.Lookup("locking")
	v := &idRecorder{Variant: inner, attempts: map[string]int{}}
	faults, _ := fault.Parse("lose-reply")
	summary, h, verdict := runAndRead(t, context.Background(), stress.Config{Variant: v, Clients: 4, Worlds: 2, Duration: 2 * time.Second, Seed: 11,
		Faults: faults, FaultInterval: 50 * time.Millisecond})
	if !verdict.Passed() {
		t.Errorf("statuses %v, findings %+v", verdict.Statuses, verdict.Findings)
	}
	var twice, retriedEvents int64
	for id, n := range v.attempts {
		switch {
		case id == "":
			t.Errorf("%d attempts without an operation id", n)
		case n == 2:
			twice++
		case n > 2:
			t.Errorf("call %s sent %d times", id, n)
		}
	}
	for _, e := range h.Events {
		if e.Retried {
			retriedEvents++
		}
	}
	t.Logf("%d calls, %d sent again, %d lost replies", summary.Ops, summary.Retried, summary.Faults["lose-reply"])
	if summary.Retried == 0 || twice != summary.Retried || retriedEvents != summary.Retried {
		t.Errorf("%d calls sent again, %d ids sent twice, %d completions marked retried: want them equal and not 0", summary.Retried, twice, retriedEvents)
	}
	if int64(len(v.attempts)) != summary.Ops {
		t.Errorf("%d operation ids for %d calls", len(v.attempts), summary.Ops)
	}
}

// idRecorder counts the attempts of every call by its operation id.
type idRecorder struct {
	protocol.Variant
	mu       sync.Mutex
	attempts map[string]int
}

func (v *idRecorder) note(ctx context.Context) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.attempts[protocol.OperationID(ctx)]++
}

func (v *idRecorder) Join(ctx context.Context, conn *pgx.Conn, world int64, user, group string) (model.Result, error) {
	v.note(ctx)
	return v.Variant.Join(ctx, conn, world, user, group)
}

func (v *idRecorder) Leave(ctx context.Context, conn *pgx.Conn, world int64, user, group string) (model.Result, error) {
	v.note(ctx)
	return v.Variant.Leave(ctx, conn, world, user, group)
}

func (v *idRecorder) Deposit(ctx context.Context, conn *pgx.Conn, world int64, user string, amount int64) error {
	v.note(ctx)
	return v.Variant.Deposit(ctx, conn, world, user, amount)
}

func (v *idRecorder) Transfer(ctx context.Context, conn *pgx.Conn, world int64, from, to string, amount int64) (model.Result, error) {
	v.note(ctx)
	return v.Variant.Transfer(ctx, conn, world, from, to, amount)
}

func (v *idRecorder) Balance(ctx context.Context, conn *pgx.Conn, world int64, account model.Account) (int64, error) {
	v.note(ctx)
	return v.Variant.Balance(ctx, conn, world, account)
}

func (v *idRecorder) Members(ctx context.Context, conn *pgx.Conn, world int64, group string) ([]string, error) {
	v.note(ctx)
	return v.Variant.Members(ctx, conn, world, group)
}

// TestServerFaultsAreRefusedOnADSNServer: crash and pause need the
// embedded cluster; a run asked for them on another server does not start.
func TestServerFaultsAreRefusedOnADSNServer(t *testing.T) {
	cfg := pgtest.Server(t).ConnConfig()
	s, err := postgres.Start(context.Background(), postgres.Options{DSN: fmt.Sprintf("host=%s port=%d user=%s dbname=%s", cfg.Host, cfg.Port, cfg.User, cfg.Database)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	v, _ := protocol.Lookup("locking")
	faults, _ := fault.Parse("kill,crash")
	_, err = stress.Run(context.Background(), stress.Config{Server: s, Variant: v, Clients: 1, Worlds: 1, Ops: 1, Faults: faults, History: &strings.Builder{}})
	if !errors.Is(err, stress.ErrBadConfig) || !errors.Is(err, fault.ErrNotApplicable) {
		t.Errorf("crash on a DSN server: %v, want ErrBadConfig and ErrNotApplicable", err)
	}
}

// TestAnInterruptedFaultyRunEndsCleanly: Ctrl-C in the middle of a run
// under faults cuts a pause short, lets a crash's restart finish, and the
// run still ends with quiescent final audits that hold.
func TestAnInterruptedFaultyRunEndsCleanly(t *testing.T) {
	v, _ := protocol.Lookup("async-watermark")
	ctx, progress := interruptMidRun(t, 3) // 0.6 s of a fault every 0.1 s
	path := filepath.Join(t.TempDir(), "history.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	summary, err := stress.Run(ctx, stress.Config{Server: pgtest.Server(t), Variant: v, Clients: 4, Worlds: 2, Duration: time.Hour, Seed: 5,
		Faults: allFaults(t), FaultInterval: 100 * time.Millisecond, History: f, Progress: progress})
	if err != nil {
		t.Fatal(err)
	}
	h, err := histories.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	verdict := histories.Check(h, histories.CheckOptions{})
	if !verdict.Passed() || !summary.Quiescent || summary.Ops == 0 || len(h.Faults) == 0 {
		t.Errorf("after an interrupt: %d calls, %d faults, quiescent %v, statuses %v, findings %+v", summary.Ops, len(h.Faults), summary.Quiescent, verdict.Statuses, verdict.Findings)
	}
	checkServerLeftRunning(t, pgtest.Server(t))
}

// TestFaultOnlyBugsAreCaughtUnderFaults: every bug only faults reveal is
// caught by a stress run under the faults that reveal it: the verdict names
// a guarantee the variant says it breaks. (Not only those: a join whose fee
// a crash cut off, sent again, can also read as a lost acknowledged write.)
func TestFaultOnlyBugsAreCaughtUnderFaults(t *testing.T) {
	reveal := map[string]string{
		"join-fee-outside-tx":         "kill,crash",
		"deposit-async-commit":        "crash",
		"deposit-retry-double-credit": "lose-reply",
	}
	for _, v := range protocol.All() {
		info := v.Info()
		if !info.FaultOnly {
			continue
		}
		t.Run(info.Name, func(t *testing.T) {
			list, ok := reveal[info.Name]
			if !ok {
				t.Fatalf("no faults known to reveal %s: add them here", info.Name)
			}
			faults, err := fault.Parse(list)
			if err != nil {
				t.Fatal(err)
			}
			cfg := stress.Config{Variant: v, Clients: 8, Worlds: 4, Ops: 3000, Seed: 42, Faults: faults, FaultInterval: 100 * time.Millisecond}
			if info.Name == "deposit-retry-double-credit" {
				// Only a deposit's lost reply doubles a credit.
				cfg.Mix, _ = workload.ParseMix("deposit=3,balance=1")
			}
			summary, _, verdict := runAndRead(t, context.Background(), cfg)
			violated := verdict.Violated()
			if !slices.ContainsFunc(violated, func(g model.Guarantee) bool { return slices.Contains(info.Breaks, g) }) {
				t.Errorf("not caught: %d calls, faults %v, violated %v, want one of %v", summary.Ops, summary.Faults, violated, info.Breaks)
			}
		})
	}
}
