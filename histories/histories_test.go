package histories

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"jbcheck.dev/jbcheck/model"
)

// TestCorpus walks testdata: a file named NAME-good.jsonl must pass, and
// NAME-bad-G1-G2.jsonl must violate exactly G1 and G2.
func TestCorpus(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.jsonl")
	if len(files) == 0 {
		t.Fatal("no histories in testdata")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			h, err := ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			v := Check(h, CheckOptions{})
			name := strings.TrimSuffix(filepath.Base(file), ".jsonl")
			_, bad, isBad := strings.Cut(name, "-bad-")
			var want []model.Guarantee
			if isBad {
				for _, g := range strings.Split(bad, "-") {
					want = append(want, model.Guarantee(g))
				}
			}
			if got := v.Violated(); !slices.Equal(got, want) {
				t.Errorf("violated %v, want %v; findings: %+v", got, want, v.Findings)
			}
			if v.Passed() == isBad {
				t.Errorf("Passed() = %v for a %s history", v.Passed(), map[bool]string{true: "bad", false: "good"}[isBad])
			}
		})
	}
}

// TestCorpusOfMinimalCounterexamples: every history in corpus/ — one
// minimal counterexample per bug variant, named for it — still shows a
// violation when checked offline. (harness/schedule replays them.)
func TestCorpusOfMinimalCounterexamples(t *testing.T) {
	files, _ := filepath.Glob("corpus/*.jsonl")
	if len(files) == 0 {
		t.Fatal("no corpus")
	}
	for _, file := range files {
		h, err := ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if name := strings.TrimSuffix(filepath.Base(file), ".jsonl"); h.Header.Variant != name {
			t.Errorf("%s holds a history of %s", file, h.Header.Variant)
		}
		if v := Check(h, CheckOptions{}); len(v.Violated()) == 0 {
			t.Errorf("%s: no violation (%v)", file, v.Statuses)
		}
	}
}

func TestReadRejectsMalformedLinesWithFileAndLine(t *testing.T) {
	good, err := os.ReadFile("testdata/join-2c-good.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(good), "\n")
	header := lines[0]
	invoke := lines[1]
	tests := []struct {
		name     string
		text     string
		wantLine int
		wantMsg  string
	}{
		{"an empty file", "", 1, "empty file"},
		{"not a history", "hello\n", 1, "expected the header line"},
		{"another format", `{"format":"other","version":1}` + "\n", 1, "is this a jbcheck history"},
		{"a future version", strings.Replace(header, `"version":1`, `"version":9`, 1), 1, "version 9"},
		{"a broken event in the middle", header + "{oops\n" + invoke, 2, "expected an event"},
		{"an unknown field", header + strings.Replace(invoke, `"time"`, `"tiem"`, 1), 2, "unknown field"},
		{"an unknown event type", header + strings.Replace(invoke, `"invoke"`, `"invok"`, 1), 2, "unknown event type"},
		{"an undeclared world", header + strings.Replace(invoke, `"world":1`, `"world":7`, 1), 2, "world 7 is not declared"},
		{"an unknown user", header + strings.Replace(invoke, `"u0"`, `"u9"`, 1), 2, `no user "u9"`},
		{"a completion without an invoke", header + lines[3], 2, "no operation in flight"},
		{"two invokes in a row by one client", header + invoke + invoke, 3, "has not completed"},
		{"a completion of another operation", header + invoke + strings.Replace(lines[4], `"client":1`, `"client":0`, 1)[:0] +
			`{"type":"ok","client":0,"world":1,"op":"balance","output":{"amount":1},"time":5}` + "\n", 3, "completes client 0's join"},
		{"an ok without output", header + invoke + `{"type":"ok","client":0,"world":1,"op":"join","time":5}` + "\n", 3, "needs an \"output\""},
		{"a completion before its invoke", header + invoke + `{"type":"ok","client":0,"world":1,"op":"join","output":{"result":"joined"},"time":-1}` + "\n", 3, "before its invoke"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tt.text), "h.jsonl")
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, ErrMalformed) {
				t.Fatalf("got %v, want a *ParseError", err)
			}
			if pe.Line != tt.wantLine || !strings.Contains(pe.Msg, tt.wantMsg) || !strings.HasPrefix(err.Error(), "h.jsonl:") {
				t.Errorf("got %q, want h.jsonl:%d: …%s…", err, tt.wantLine, tt.wantMsg)
			}
		})
	}
}

func TestReadAcceptsACutLastLine(t *testing.T) {
	good, _ := os.ReadFile("testdata/join-2c-good.jsonl")
	full, err := Read(bytes.NewReader(good), "full")
	if err != nil {
		t.Fatal(err)
	}
	last := bytes.LastIndexByte(good[:len(good)-1], '\n')
	cut := good[:last+20] // the last line, cut mid-way
	h, err := Read(bytes.NewReader(cut), "cut")
	if err != nil {
		t.Fatal(err)
	}
	if !h.Truncated || len(h.Events) != len(full.Events) || len(h.Audits) != len(full.Audits)-1 {
		t.Errorf("truncated=%v, %d events, %d audits; want true, %d, %d", h.Truncated, len(h.Events), len(h.Audits), len(full.Events), len(full.Audits)-1)
	}
	if v := Check(h, CheckOptions{}); v.Passed() || v.Status(model.UniqueMembership) != Unknown {
		t.Errorf("a history without its audit passed or decided I1: %v", v.Statuses)
	}
}

func TestWriterOutputReadsBackTheSame(t *testing.T) {
	var buf bytes.Buffer
	worlds := map[int64]model.World{3: {Users: []model.User{{Name: "u0", Opening: 5}}, Groups: []model.Group{{Name: "g0", Capacity: 1}}}}
	w, err := NewWriter(&buf, Header{Variant: "locking", Mode: ModeStress, Worlds: worlds, Started: time.Unix(0, 0).UTC()})
	if err != nil {
		t.Fatal(err)
	}
	in := model.Input{World: 3, Op: model.OpJoin, User: "u0", Group: "g0"}
	yes := true
	events := []Event{
		{Type: Invoke, Client: 2, World: 3, Op: in.Op, Input: &in, Time: 10},
		{Type: OK, Client: 2, World: 3, Op: in.Op, Output: &model.Output{Result: model.Joined}, Time: 20},
		{Type: Audit, World: 3, Time: 30, Quiescent: &yes, Snapshot: &model.Snapshot{
			Groups: worlds[3].Groups, Balances: map[model.Account]int64{{Kind: model.Wallet, Owner: "u0"}: 5}}},
	}
	for _, e := range events {
		if err := w.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Count(buf.String(), `"world":3`) != len(events) {
		t.Errorf("the world is written more than once per line:\n%s", buf.String())
	}
	h, err := Read(&buf, "roundtrip")
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Events[0].Input; *got != in {
		t.Errorf("input read back as %+v, want %+v", *got, in)
	}
	if got := h.Audits[0].Snapshot.Balances[model.Account{Kind: model.Wallet, Owner: "u0"}]; got != 5 {
		t.Errorf("audit balance read back as %d, want 5", got)
	}
	if h.Header.Format != Format || h.Header.Worlds[3].Users[0].Opening != 5 {
		t.Errorf("header read back as %+v", h.Header)
	}
}

func TestPictureAnnotatesTheViolation(t *testing.T) {
	h, err := ReadFile("testdata/join-2c-bad-L-I1.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	v := Check(h, CheckOptions{})
	var html bytes.Buffer
	if err := WritePicture(&html, h, v, 1); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"L violated", "I1 violated", "join(u0,g0) → joined"} {
		if !strings.Contains(html.String(), want) {
			t.Errorf("the picture lacks %q", want)
		}
	}
}

func TestLinearizabilityFindingNamesTheOperation(t *testing.T) {
	h, err := ReadFile("testdata/stale-read-bad-L.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	v := Check(h, CheckOptions{})
	if len(v.Findings) != 1 || !strings.Contains(v.Findings[0].Detail, "balance(u0) → 100 (line 4)") {
		t.Errorf("findings %+v, want one naming the stale balance read on line 4", v.Findings)
	}
}

// TestAFinalAuditIsARead: a lost update with no read after it breaks L
// through the final audit, which porcupine checks as a read of the whole
// world; with the stored state the linearization reaches, L holds; an audit
// that is not quiescent is not such a read.
func TestAFinalAuditIsARead(t *testing.T) {
	text, err := os.ReadFile("corpus/wallet-read-modify-write.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	check := func(text string) Verdict {
		t.Helper()
		h, err := Read(strings.NewReader(text), "lost-update.jsonl")
		if err != nil {
			t.Fatal(err)
		}
		return Check(h, CheckOptions{})
	}
	lost := check(string(text))
	if lost.Status(model.Linearizable) != Violated || !slices.ContainsFunc(lost.Findings, func(f Finding) bool {
		return f.Guarantee == model.Linearizable && strings.Contains(f.Detail, "the final audit → u0=107") && slices.Equal(f.Lines, []int{6, 6})
	}) {
		t.Errorf("the lost update: L %s, findings %v; want L violated by the final audit (line 6)", lost.Status(model.Linearizable), lost.Findings)
	}
	// The balance both deposits reach, and its ledger.
	kept := strings.NewReplacer(`"wallet:u0":107`, `"wallet:u0":112`).Replace(string(text))
	if v := check(kept); v.Status(model.Linearizable) != Held {
		t.Errorf("with the right stored state: L %s, findings %v", v.Status(model.Linearizable), v.Findings)
	}
	midRun := strings.Replace(string(text), `"quiescent":true`, `"quiescent":false`, 1)
	if v := check(midRun); v.Status(model.Linearizable) != Held {
		t.Errorf("with a non-quiescent audit: L %s, want held (not a read)", v.Status(model.Linearizable))
	}
}

// TestFaultsAreJudgedAndShaded: the corpus's crash between a membership and
// its fee is a half-done call (A, with I6), the crash after an asynchronous
// commit a lost acknowledged write (D), and each picture shades its fault.
func TestFaultsAreJudgedAndShaded(t *testing.T) {
	for file, want := range map[string]model.Guarantee{
		"corpus/join-fee-outside-tx.jsonl":  model.Atomicity,
		"corpus/deposit-async-commit.jsonl": model.Durability,
	} {
		h, err := ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		v := Check(h, CheckOptions{})
		if v.Statuses[want] != Violated {
			t.Errorf("%s: %s is %s, want violated (%v)", file, want, v.Statuses[want], v.Findings)
		}
		var html bytes.Buffer
		if err := WritePicture(&html, h, v, v.ViolatingWorlds()[0]); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(html.String(), "crash (server)") {
			t.Errorf("%s: the picture does not shade the crash", file)
		}
	}
	h, err := ReadFile("testdata/join-2c-good.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if v := Check(h, CheckOptions{}); v.Statuses[model.Durability] != NotApplicable || v.Statuses[model.Atomicity] != NotApplicable {
		t.Errorf("without faults D and A are %s and %s, want n/a", v.Statuses[model.Durability], v.Statuses[model.Atomicity])
	}
}
