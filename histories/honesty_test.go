package histories

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"jbcheck.dev/jbcheck/model"
)

// TestAHistoryWithNoWorldsIsNotAPass: nothing checked is not a pass.
func TestAHistoryWithNoWorldsIsNotAPass(t *testing.T) {
	h, err := Read(strings.NewReader(`{"format":"jbcheck-history","version":1,"variant":"locking","mode":"stress","worlds":{},"started":"2026-11-28T00:00:00Z"}`+"\n"), "empty.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	v := Check(h, CheckOptions{})
	if v.Passed() || v.Status(model.Linearizable) != Unknown || v.Status(model.Conservation) != Unknown {
		t.Errorf("a history with no worlds: passed %v, statuses %v; want not passed, L and I1–I6 unknown", v.Passed(), v.Statuses)
	}
	if (Verdict{}).Passed() {
		t.Errorf("an empty verdict passes")
	}
}

const maxInt = "9223372036854775807"

// TestReadRejectsMoneyPastInt64: deposits of 2^63−1, 2^63−1 and 2 then a
// balance of 100 wrap around to look consistent; the reader refuses them at
// the first deposit that takes the world's money past int64, as it refuses
// openings that add up past it.
func TestReadRejectsMoneyPastInt64(t *testing.T) {
	header := `{"format":"jbcheck-history","version":1,"variant":"locking","mode":"stress","worlds":{"1":{"users":[{"name":"u0","opening":100}],"groups":[]}},"started":"2026-11-28T00:00:00Z"}` + "\n"
	var b strings.Builder
	b.WriteString(header)
	for i, amount := range []string{maxInt, maxInt, "2"} {
		fmt.Fprintf(&b, `{"type":"invoke","client":0,"world":1,"op":"deposit","input":{"user":"u0","amount":%s},"time":%d}`+"\n", amount, 2*i)
		fmt.Fprintf(&b, `{"type":"ok","client":0,"world":1,"op":"deposit","output":{"result":"ok"},"time":%d}`+"\n", 2*i+1)
	}
	b.WriteString(`{"type":"invoke","client":0,"world":1,"op":"balance","input":{"user":"u0"},"time":6}` + "\n")
	b.WriteString(`{"type":"ok","client":0,"world":1,"op":"balance","output":{"amount":100},"time":7}` + "\n")
	openings := strings.Replace(header, `"opening":100}]`, `"opening":`+maxInt+`},{"name":"u1","opening":1}]`, 1)
	for _, tt := range []struct {
		name, text string
		line       int
	}{{"deposits", b.String(), 2}, {"openings", openings, 1}} {
		_, err := Read(strings.NewReader(tt.text), "wrap.jsonl")
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Line != tt.line || !strings.Contains(pe.Msg, "int64") {
			t.Errorf("%s past int64: got %v, want wrap.jsonl:%d naming the int64 range", tt.name, err, tt.line)
		}
	}
}

// TestCheckOfDepositsPastInt64IsNotLinearizable: the same history, built
// without the reader, is not linearizable: no deposit past int64 succeeds.
func TestCheckOfDepositsPastInt64IsNotLinearizable(t *testing.T) {
	h := &History{Header: Header{Mode: ModeStress, Worlds: map[int64]model.World{1: {Users: []model.User{{Name: "u0", Opening: 100}}}}}}
	add := func(in model.Input, out model.Output) {
		in.World = 1
		n := int64(len(h.Events))
		h.Events = append(h.Events,
			Event{Type: Invoke, World: 1, Op: in.Op, Input: &in, Time: n, Line: int(n) + 2},
			Event{Type: OK, World: 1, Op: in.Op, Output: &out, Time: n + 1, Line: int(n) + 3})
	}
	for _, amount := range []int64{math.MaxInt64, math.MaxInt64, 2} {
		add(model.Input{Op: model.OpDeposit, User: "u0", Amount: amount}, model.Output{Result: model.OK})
	}
	add(model.Input{Op: model.OpBalance, User: "u0"}, model.Output{Amount: 100})
	if v := Check(h, CheckOptions{}); v.Status(model.Linearizable) != Violated {
		t.Errorf("deposits wrapping around int64: L %s, want violated", v.Status(model.Linearizable))
	}
}
