package histories

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"jbcheck.dev/jbcheck/model"
)

// Call is one call of a history: its invoke and its completion, if any.
type Call struct {
	Client     int
	World      int64
	Input      model.Input
	End        Kind          // OK, Fail, Info, or "" when never answered
	Output     *model.Output // OK only
	Error      string        // Fail and Info
	Retried    bool          // sent again after its connection was lost
	Invoked    int64
	Answered   int64 // math.MaxInt64 when never answered
	InvokeLine int
	EndLine    int // 0 when never answered
}

// Calls pairs each invoke with its client's next completion, sorted by
// invoke time (then client).
func Calls(h *History) []Call {
	var out []Call
	open := map[int]int{} // client → index in out of its call in flight
	for _, e := range h.Events {
		if e.Type == Invoke {
			open[e.Client] = len(out)
			in := model.Input{}
			if e.Input != nil {
				in = *e.Input
			}
			in.World = e.World
			out = append(out, Call{Client: e.Client, World: e.World, Input: in, Invoked: e.Time,
				Answered: math.MaxInt64, InvokeLine: e.Line})
			continue
		}
		i, ok := open[e.Client]
		if !ok {
			continue
		}
		delete(open, e.Client)
		c := &out[i]
		c.End, c.Output, c.Error, c.Retried, c.Answered, c.EndLine = e.Type, e.Output, e.Error, e.Retried, e.Time, e.Line
	}
	slices.SortStableFunc(out, func(a, b Call) int {
		return cmp.Or(cmp.Compare(a.Invoked, b.Invoked), cmp.Compare(a.Client, b.Client))
	})
	return out
}

// Answer is what the call was told: "joined", "100", "failed: …", "?" when
// it is unknown whether it happened.
func (c Call) Answer() string {
	switch c.End {
	case OK:
		if c.Output == nil {
			return "ok"
		}
		return c.Output.String()
	case Fail:
		return "failed"
	}
	return "?"
}

// String is "c0 deposit(u0,5) → ok (line 3)".
func (c Call) String() string {
	in := c.Input
	in.World = 0
	s := fmt.Sprintf("c%d %s → %s", c.Client, in, c.Answer())
	if c.Retried {
		s += " (sent twice)"
	}
	return fmt.Sprintf("%s (line %d)", s, c.InvokeLine)
}

// done reports whether the call was answered ok.
func (c Call) done(r model.Result) bool {
	return c.End == OK && c.Output != nil && (r == "" || c.Output.Result == r)
}

// overlaps reports whether c and d were in flight at the same time.
func (c Call) overlaps(d Call) bool { return c.Invoked < d.Answered && d.Invoked < c.Answered }

// touches reports whether c reads or writes user's wallet or group's pot.
func (c Call) touches(user, group string) bool {
	in := c.Input
	if user != "" && (in.User == user || in.To == user) {
		return true
	}
	return group != "" && in.Group == group
}
