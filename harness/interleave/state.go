package interleave

import (
	"slices"
	"sync"
	"sync/atomic"
)

type eventKind int

const (
	evGate      eventKind = iota // at the start of a step, waiting for its grant
	evEnd                        // a step finished
	evSleep                      // asleep until another session changes something
	evLog                        // a transcript line of the session's
	evOpStart                    // an operation began (its first step is not granted yet)
	evOpEnd                      // an operation returned
	evDone                       // the session's body returned (err: why, if early)
	evReconnect                  // the session has a new connection (conn)
)

type event struct {
	session  int
	kind     eventKind
	stmt     Statement
	label    string // a step without SQL
	err      error
	tag      string // the server's command tag
	txBefore byte   // transaction status before and after the statement
	tx       byte
	text     string
	conn     *conn
}

// runState is what the sessions' goroutines share with the scheduler during
// one schedule.
type runState struct {
	engine *Engine
	events chan event
	grants []chan struct{}
	wakes  []chan struct{}
	stop   chan struct{} // closed to abandon the schedule
	step   atomic.Int64

	mu   sync.Mutex
	made []int // the choices made so far
}

func newRunState(e *Engine, sessions int) *runState {
	st := &runState{engine: e, events: make(chan event, 8*sessions), stop: make(chan struct{})}
	for range sessions {
		st.grants = append(st.grants, make(chan struct{}, 1))
		st.wakes = append(st.wakes, make(chan struct{}, 1))
	}
	return st
}

func (st *runState) send(e event) {
	select {
	case st.events <- e:
	case <-st.stop:
	}
}

// arrive reports a step at session s's gate and waits for its grant; then
// the pending start of an operation, if any, runs.
func (st *runState) arrive(s *Session, stmt Statement, label string) {
	st.send(event{session: s.id, kind: evGate, stmt: stmt, label: label})
	select {
	case <-st.grants[s.id]:
	case <-st.stop:
		return
	}
	if begin := s.begin; begin != nil {
		s.begin = nil
		begin()
	}
}

func (st *runState) choose(choice int) {
	st.mu.Lock()
	st.made = append(st.made, choice)
	st.mu.Unlock()
}

func (st *runState) choices() []int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return slices.Clone(st.made)
}
