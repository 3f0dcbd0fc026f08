package histories

import (
	"encoding/json"
	"time"

	"jbcheck.dev/jbcheck/model"
)

// The format's name and version, in every header.
const (
	Format  = "jbcheck-history"
	Version = 1
)

// Modes a history can be made in.
const (
	ModeStress   = "stress"   // real concurrency, wall-clock nanoseconds
	ModeSchedule = "schedule" // one statement at a time, logical steps
)

// Header is the first line of a history: how it was made, and the worlds its
// operations run in (needed to check it offline).
type Header struct {
	Format   string                `json:"format"`
	Version  int                   `json:"version"`
	Variant  string                `json:"variant"`
	Mode     string                `json:"mode"`
	Seed     int64                 `json:"seed"`
	Scenario json.RawMessage       `json:"scenario,omitempty"` // what the clients were told to do
	Schedule []int                 `json:"schedule,omitempty"` // schedule mode: the choices made
	Worlds   map[int64]model.World `json:"worlds"`
	Postgres string                `json:"postgres,omitempty"` // server version
	Command  string                `json:"command,omitempty"`  // the command line that made it
	Started  time.Time             `json:"started"`
	// Lagging says the variant's balances lag behind its ledger until a
	// background worker catches up: balance invariants (I3–I6) are then
	// checked on quiescent audits only. Without it every invariant must
	// hold in every audit, mid-run ones included.
	Lagging bool `json:"lagging,omitempty"`
}

// Kind is the type of an event line.
type Kind string

// Event kinds. An invoke is followed by exactly one completion from the same
// client: ok (it happened, with this output), fail (it certainly did not
// happen) or info (unknown whether it happened). An audit is a world's
// stored state read at the end of the run. A fault is something the harness
// did to the system under test — a crash, a killed session, a lost reply —
// with its start (time) and end. A barrier is a world's stored state read
// while no call of that world was in flight (and, for a lagging variant,
// after its background worker caught up): it ends one segment of the
// world's history and starts the next, which the checker checks apart
// (docs/segments.md).
const (
	Invoke  Kind = "invoke"
	OK      Kind = "ok"
	Fail    Kind = "fail"
	Info    Kind = "info"
	Audit   Kind = "audit"
	Fault   Kind = "fault"
	Barrier Kind = "barrier"
)

// FaultKinds are the faults a history can record (harness/fault injects
// them): a server crash and restart, a session's backend killed, its
// statement cancelled, a reply lost after the server acted on the request,
// the server paused.
var FaultKinds = []string{"crash", "kill", "cancel", "lose-reply", "pause"}

// Event is one line after the header.
type Event struct {
	Type   Kind          `json:"type"`
	Client int           `json:"client"`
	World  int64         `json:"world"`
	Op     model.Op      `json:"op,omitempty"`
	Input  *model.Input  `json:"input,omitempty"`  // invoke
	Output *model.Output `json:"output,omitempty"` // ok
	Error  string        `json:"error,omitempty"`  // fail, info
	// Retried marks a completion of a call whose connection was lost and
	// which its client sent again under the same operation id: the answer
	// is the retry's, and a fault cut the call off once.
	Retried bool  `json:"retried,omitempty"`
	Time    int64 `json:"time"` // stress: ns since the start; schedule: step

	// Audit only: the world's stored state, and whether every background
	// process had caught up when it was read. Barrier: the stored state
	// (a barrier is always quiescent).
	Quiescent *bool           `json:"quiescent,omitempty"`
	Snapshot  *model.Snapshot `json:"snapshot,omitempty"`

	// Fault only: which fault (crash, kill, cancel, lose-reply, pause), what
	// it hit ("server", or a client such as "c3"), and when it ended. A
	// fault belongs to no world.
	Fault  string `json:"fault,omitempty"`
	Target string `json:"target,omitempty"`
	End    int64  `json:"end,omitempty"`

	// Line is the event's line number in its file (not written).
	Line int `json:"-"`
}

// History is a whole history as read back.
type History struct {
	Header Header
	Events []Event // invokes and completions, in file order
	Audits []Event // audit events, in file order
	Faults []Event // fault events, in file order
	// Barriers are the barrier events, in file order: each cuts its
	// world's calls into the segment before it and the one after.
	Barriers []Event
	// Truncated reports that the last line was cut short (the writer was
	// killed mid-line) and was dropped.
	Truncated bool

	// starts, when set, are the states the worlds' first calls start from
	// instead of their initial states: a history holding one segment of a
	// longer one (the evidence of a violation) starts at a barrier.
	starts map[int64]model.State
}
