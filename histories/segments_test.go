package histories

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"

	"jbcheck.dev/jbcheck/model"
)

// TestSegmentsAreCheckedApart: a history with a barrier is two segments
// per world, each checked from its own start, and the passing verdict says
// so; the same calls without the barrier are one segment.
func TestSegmentsAreCheckedApart(t *testing.T) {
	h, err := ReadFile("testdata/barrier-good.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	v := Check(h, CheckOptions{})
	if !v.Passed() || v.Segments != 2 || len(h.Barriers) != 1 {
		t.Fatalf("passed %v, %d segments, %d barriers; want a pass in 2 segments: %+v", v.Passed(), v.Segments, len(h.Barriers), v.Findings)
	}
	// 3 calls, the barrier's read and the final audit's.
	if v.Operations != 5 {
		t.Errorf("%d operations checked, want 5", v.Operations)
	}
	h.Barriers = nil
	if v := Check(h, CheckOptions{}); !v.Passed() || v.Segments != 1 {
		t.Errorf("without its barrier: passed %v in %d segments, want a pass in 1", v.Passed(), v.Segments)
	}
}

// TestAViolationAcrossABarrierIsCaught: the stale read just after a
// barrier of a write just before it is placed by no order of the second
// segment, which starts from the barrier's state; the finding, the
// anomaly and the picture come from that segment.
func TestAViolationAcrossABarrierIsCaught(t *testing.T) {
	h, err := ReadFile("testdata/barrier-stale-read-across-bad-L.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	v := Check(h, CheckOptions{})
	if v.Status(model.Linearizable) != Violated || len(v.Findings) != 1 {
		t.Fatalf("statuses %v, findings %+v; want L violated, alone", v.Statuses, v.Findings)
	}
	f := v.Findings[0]
	if !strings.Contains(f.Detail, "balance(u0) → 100") || !strings.Contains(f.Detail, "segment 2 of world 1") || f.Lines[0] != 5 {
		t.Errorf("finding %q (lines %v): want the read of line 5 in segment 2", f.Detail, f.Lines)
	}
	if len(v.Anomalies) != 1 || v.Anomalies[0].Name != StaleRead {
		t.Errorf("anomalies %+v, want a stale read", v.Anomalies)
	}
	var page strings.Builder
	if err := WritePicture(&page, h, v, 1); err != nil || !strings.Contains(page.String(), "balance(u0)") {
		t.Errorf("picture of the violating segment: %v", err)
	}
}

// TestABarrierCutsOnlyWhereNoCallIsInFlight: the reader refuses a barrier
// of a world with a call in flight, or stamped before a call it cuts off
// was answered, or after a call that follows it began: the cut would not
// be sound.
func TestABarrierCutsOnlyWhereNoCallIsInFlight(t *testing.T) {
	good, err := os.ReadFile("testdata/barrier-good.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(good), "\n")
	header, invoke, ok, barrier, later := lines[0], lines[1], lines[2], lines[3], lines[4]
	tests := []struct {
		name, text string
		line       int
		want       string
	}{
		{"in flight", header + invoke + barrier + ok, 3, "in flight"},
		{"before an answer", header + invoke + strings.Replace(ok, `"time":3`, `"time":7`, 1) + barrier, 4, "before a call of the world answered"},
		{"after a later invoke", header + invoke + ok + barrier + strings.Replace(later, `"time":6`, `"time":4`, 1), 5, "before the world's barrier"},
	}
	for _, tt := range tests {
		_, err := Read(strings.NewReader(tt.text), "h.jsonl")
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Line != tt.line || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want a ParseError saying %q", tt.name, err, tt.want)
		}
	}
}

// segmented writes a correct history of one world: two clients whose calls
// overlap in pairs, answered as the model says in the order they return,
// and a barrier every `every` calls (none for 0).
func segmented(w io.Writer, calls, every int) error {
	world := model.World{Users: []model.User{{Name: "u0", Opening: 100}, {Name: "u1", Opening: 50}},
		Groups: []model.Group{{Name: "g0", Capacity: 2, Fee: 10}}}
	hw, err := NewWriter(w, Header{Variant: "locking", Mode: ModeStress, Worlds: map[int64]model.World{1: world}})
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	st, deposits, now := model.Initial(world), int64(150), int64(0)
	tick := func() int64 { now++; return now }
	inputs := []model.Input{{Op: model.OpDeposit, User: "u0", Amount: 1}, {Op: model.OpBalance, User: "u1"},
		{Op: model.OpTransfer, User: "u0", To: "u1", Amount: 3}, {Op: model.OpTransfer, User: "u1", To: "u0", Amount: 3},
		{Op: model.OpJoin, User: "u0", Group: "g0"}, {Op: model.OpLeave, User: "u0", Group: "g0"}, {Op: model.OpMembers, Group: "g0"}}
	for n := 0; n < calls; n += 2 {
		pair := [2]model.Input{inputs[rng.IntN(len(inputs))], inputs[rng.IntN(len(inputs))]}
		for c, in := range pair {
			in.World = 1
			if err := hw.Append(Event{Type: Invoke, Client: c, World: 1, Op: in.Op, Input: &in, Time: tick()}); err != nil {
				return err
			}
		}
		for c, in := range pair {
			in.World = 1
			var out model.Output
			st, out = st.Step(in)
			if in.Op == model.OpDeposit {
				deposits += in.Amount
			}
			if err := hw.Append(Event{Type: OK, Client: c, World: 1, Op: in.Op, Output: &out, Time: tick()}); err != nil {
				return err
			}
		}
		if every > 0 && (n+2)%every == 0 {
			snap := snapshotOf(world, st, deposits)
			if err := hw.Append(Event{Type: Barrier, World: 1, Time: tick(), Snapshot: &snap}); err != nil {
				return err
			}
		}
	}
	yes := true
	snap := snapshotOf(world, st, deposits)
	return hw.Append(Event{Type: Audit, World: 1, Time: tick(), Quiescent: &yes, Snapshot: &snap})
}

func snapshotOf(w model.World, st model.State, deposits int64) model.Snapshot {
	s := model.Snapshot{Groups: w.Groups, Balances: map[model.Account]int64{}, Ledger: map[model.Account]int64{},
		Members: map[string][]string{}, Deposits: deposits}
	for _, u := range w.Users {
		s.Balances[model.Account{Kind: model.Wallet, Owner: u.Name}] = st.Wallet(u.Name)
	}
	for _, g := range w.Groups {
		s.Balances[model.Account{Kind: model.Pot, Owner: g.Name}] = st.Pot(g.Name)
		s.Members[g.Name] = st.Members(g.Name)
	}
	for a, b := range s.Balances {
		s.Ledger[a] = b
	}
	return s
}

// liveHeapWhileChecking checks a synthetic history streamed through a pipe
// and returns the live heap (after a collection) once every event has been
// taken, before the last segment is checked: what the check holds.
func liveHeapWhileChecking(t *testing.T, calls, every int) uint64 {
	t.Helper()
	r, w := io.Pipe()
	go func() { w.CloseWithError(segmented(w, calls, every)) }()
	s, err := Scan(r, "synthetic")
	if err != nil {
		t.Fatal(err)
	}
	c := newChecker(context.Background(), s.Header(), withDefaults(CheckOptions{}))
	for {
		e, ok, err := s.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		if err := c.event(e); err != nil {
			t.Fatal(err)
		}
	}
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	heap := m.HeapAlloc
	v, err := c.finish()
	if err != nil || !v.Passed() {
		t.Fatalf("%d synthetic calls: %v, %+v", calls, err, v.Findings)
	}
	if every > 0 && v.Segments != calls/every+1 {
		t.Errorf("%d segments, want %d", v.Segments, calls/every+1)
	}
	return heap
}

// TestStreamingCheckMemoryDoesNotGrowWithLength: with a barrier every 500
// calls, the check of 50,000 calls holds no more than that of 5,000 (the
// current segment only); without barriers, 20,000 calls already hold
// several megabytes more, which shows the measure can tell.
func TestStreamingCheckMemoryDoesNotGrowWithLength(t *testing.T) {
	short, long := liveHeapWhileChecking(t, 5_000, 500), liveHeapWhileChecking(t, 50_000, 500)
	if long > short+1<<20 {
		t.Errorf("live heap %d bytes after 50,000 calls, %d after 5,000: it grows with the history", long, short)
	}
	whole := liveHeapWhileChecking(t, 20_000, 0)
	if whole < long+5<<20 {
		t.Errorf("without barriers the check of 20,000 calls holds %d bytes, with them 50,000 hold %d: the measure does not tell", whole, long)
	}
	t.Logf("live heap: 5,000 calls %d KB, 50,000 calls %d KB; 20,000 in one segment %d KB", short>>10, long>>10, whole>>10)
}
