package schedule

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"jbcheck/harness/protocol"
	"jbcheck/harness/record"
	"jbcheck/histories"
	"jbcheck/model"
)

// Point is a moment where more than one client could move.
type Point struct {
	Step    int   // grants so far
	Options []int // client ids, the current client first when it can move, then the others in cyclic order
	// Redundant marks options whose run is symmetric to an earlier option's
	// (same remaining calls, same answers so far, both between calls).
	Redundant []bool
	// Parked marks options in the sleep set: their next statement commutes
	// with everything run since an earlier branch explored them first, so
	// running them now leads only to runs already explored (Godefroid's sleep
	// sets; two reads commute).
	Parked []bool
	// CurrentEnabled: the current client could move, so any choice but 0 is
	// a preemption.
	CurrentEnabled bool
}

// firstAwake is the first option that is not parked, or 0 if all are.
func (p Point) firstAwake() int {
	for i := range p.Options {
		if !p.Parked[i] {
			return i
		}
	}
	return 0
}

// Chooser makes the choices of a schedule.
type Chooser interface {
	Choose(p Point) int
}

// Replay makes the given choices, then keeps the current client running
// (choice 0, or the first option not parked) once they run out.
// Out-of-range choices wrap around, so any list of numbers is a valid
// schedule.
type Replay []int

// Choose implements Chooser.
func (r *Replay) Choose(p Point) int {
	if len(*r) == 0 {
		return p.firstAwake()
	}
	c := (*r)[0]
	*r = (*r)[1:]
	return ((c % len(p.Options)) + len(p.Options)) % len(p.Options)
}

// ScenarioHeader is what a schedule-mode history records of its scenario.
type ScenarioHeader struct {
	Clients string `json:"clients"`
	World   string `json:"world"`
	Reduce  bool   `json:"reduce"`
}

// Result is one schedule's run.
type Result struct {
	Choices []int   // the choice made at each point
	Points  []Point // every point, in order
	Steps   int
	History []byte
	Verdict histories.Verdict
	// Outcome is every client's calls and answers and the final audit:
	// equal outcomes mean equal runs, world ids aside.
	Outcome    string
	Transcript []string
}

// Preemptions counts the points where a client that could go on was stopped.
func (r *Result) Preemptions() int {
	n := 0
	for i, p := range r.Points {
		if p.CurrentEnabled && r.Choices[i] != 0 {
			n++
		}
	}
	return n
}

type eventKind int

const (
	evGate  eventKind = iota // at the start of a statement, waiting for its grant
	evEnd                    // a statement finished
	evSleep                  // asleep until another client steps
	evOp                     // a call finished (text describes it)
	evDone                   // the client's script is over (err: why it stopped early)
)

type event struct {
	client int
	kind   eventKind
	sql    string
	args   []any
	tag    string
	err    error
	text   string
}

type status int

const (
	running     status = iota // in Go code
	inStatement               // a granted statement in flight
	blocked                   // a granted statement waiting for a lock
	atGate
	asleep
	done
)

// run is the state the clients' goroutines share with the scheduler during
// one schedule.
type run struct {
	events chan event
	grants []chan struct{}
	wakes  []chan struct{}
	stop   chan struct{} // closed to abandon the schedule
	step   atomic.Int64
}

func (r *run) send(e event) {
	select {
	case r.events <- e:
	case <-r.stop:
	}
}

func (r *run) arrive(client int, sql string, args []any) {
	r.send(event{client: client, kind: evGate, sql: sql, args: args})
	select {
	case <-r.grants[client]:
	case <-r.stop:
	}
}

// sleeper is the Sleeper of client: under the scheduler a wait — a retry's
// backoff, a poll that saw no change, an idle worker — lasts until another
// client ends a transaction (nothing it could see changes before that), or
// until nobody else can move, when time is let pass.
func (r *run) sleeper(client int) protocol.Sleeper {
	return func(ctx context.Context, _ time.Duration) {
		r.send(event{client: client, kind: evSleep})
		select {
		case <-r.wakes[client]:
		case <-r.stop:
		case <-ctx.Done():
		}
	}
}

// clock stamps events with the step counter: between grants k and k+1,
// completions get 3k+1 and invokes 3k+2, so a call that starts after another
// one ended (in the same pause) is after it; audits come last.
func (r *run) clock(kind histories.Kind) int64 {
	k := r.step.Load()
	switch kind {
	case histories.Invoke:
		return 3*k + 2
	case histories.Audit:
		return 3*k + 3
	}
	return 3*k + 1
}

// Run runs scenario sc under the choices of ch in a fresh world.
func (e *Executor) Run(ctx context.Context, sc Scenario, ch Chooser) (*Result, error) {
	n := len(sc.Clients)
	worker, hasWorker := e.variant.(protocol.Worker)
	total := n
	if hasWorker {
		total++
	}
	sessions := make([]*session, total)
	for i := range sessions {
		s, err := e.session(ctx, i)
		if err != nil {
			return nil, err
		}
		sessions[i] = s
	}
	e.scenario = sc
	world, err := protocol.CreateWorld(ctx, e.control, sc.World)
	if err != nil {
		return nil, err
	}
	scenario, _ := json.Marshal(ScenarioHeader{Clients: sc.String(), World: WorldString(sc.World), Reduce: e.Reduce})
	var history bytes.Buffer
	header := histories.Header{Format: histories.Format, Version: histories.Version, Variant: e.variant.Info().Name,
		Mode: histories.ModeSchedule, Scenario: scenario, Worlds: map[int64]model.World{world: sc.World},
		Postgres: e.server.Version(), Command: e.Command, Started: time.Now().UTC()}
	w, err := histories.NewWriter(&history, header)
	if err != nil {
		return nil, err
	}
	r := &run{events: make(chan event, 64*total), stop: make(chan struct{})}
	for range total {
		r.grants = append(r.grants, make(chan struct{}, 1))
		r.wakes = append(r.wakes, make(chan struct{}, 1))
	}
	rec := record.New(w, r.clock)
	for _, s := range sessions {
		s.gate.run.Store(r)
	}
	clientCtx, cancelClients := context.WithCancel(ctx)
	workerCtx, stopWorker := context.WithCancel(clientCtx)
	var wg sync.WaitGroup
	defer func() {
		select {
		case <-r.stop:
		default:
			close(r.stop)
		}
		cancelClients()
		wg.Wait()
		for _, s := range sessions {
			s.gate.run.Store(nil)
		}
		stopWorker()
	}()
	for i := range n {
		conn := sessions[i].conn
		wg.Go(func() {
			cctx := protocol.WithSleeper(clientCtx, r.sleeper(i))
			for _, in := range sc.Clients[i] {
				in.World = world
				var out model.Output
				kind, err := rec.Call(i, in, func() (model.Output, error) {
					var err error
					out, err = protocol.Apply(cctx, e.variant, conn, in)
					return out, err
				})
				if err != nil {
					r.send(event{client: i, kind: evDone, err: err})
					return
				}
				text := model.DescribeCall(in, &out)
				if kind != histories.OK {
					text = fmt.Sprintf("%s → %s", in, kind)
				}
				r.send(event{client: i, kind: evOp, text: text})
			}
			r.send(event{client: i, kind: evDone})
		})
	}
	if hasWorker {
		conn := sessions[n].conn
		wg.Go(func() {
			err := protocol.RunWorker(protocol.WithSleeper(workerCtx, r.sleeper(n)), worker, conn, 0)
			r.send(event{client: n, kind: evDone, err: err})
		})
	}
	s := &scheduler{e: e, r: r, sessions: sessions, n: n, total: total, status: make([]status, total),
		next: make([]event, total), ops: make([][]string, total), sinceOp: make([]int, total), current: -1, chooser: ch}
	res, err := s.loop(ctx, stopWorker)
	if err != nil {
		return nil, err
	}
	read := func() (model.Snapshot, error) { return protocol.Audit(ctx, e.control, world) }
	if err := rec.Audit(world, read, true); err != nil {
		return nil, err
	}
	// The choices are known only now: the header is written again with them.
	header.Schedule = res.Choices
	first, _ := json.Marshal(header)
	rest := history.Bytes()[bytes.IndexByte(history.Bytes(), '\n'):]
	res.History = append(first, rest...)
	h, err := histories.Read(bytes.NewReader(res.History), "schedule")
	if err != nil {
		return nil, fmt.Errorf("reading back the schedule's history: %w", err)
	}
	res.Verdict = histories.Check(h, histories.CheckOptions{})
	res.Outcome = Outcome(h)
	return res, nil
}

// Outcome is what a history's clients saw — each client's calls with their
// answers, in order — and the last audit of its world: two runs with equal
// outcomes behaved the same, whatever their world ids.
func Outcome(h *histories.History) string {
	calls := map[int][]string{}
	pending := map[int]*model.Input{}
	for _, e := range h.Events {
		switch e.Type {
		case histories.Invoke:
			pending[e.Client] = e.Input
		case histories.OK:
			calls[e.Client] = append(calls[e.Client], model.DescribeCall(*pending[e.Client], e.Output))
		default:
			calls[e.Client] = append(calls[e.Client], fmt.Sprintf("%s → %s", pending[e.Client], e.Type))
		}
	}
	var b strings.Builder
	for _, c := range slices.Sorted(maps.Keys(calls)) {
		fmt.Fprintf(&b, "c%d: %s\n", c, strings.Join(calls[c], "; "))
	}
	if n := len(h.Audits); n > 0 {
		audit, _ := json.Marshal(h.Audits[n-1].Snapshot)
		b.Write(audit)
	}
	return b.String()
}

// scheduler is the loop of one schedule.
type scheduler struct {
	e        *Executor
	r        *run
	sessions []*session
	n, total int // ordinary clients; all clients (with the worker)
	status   []status
	next     []event    // each client's statement at its gate
	ops      [][]string // each client's completed calls
	sinceOp  []int      // statements other than BEGIN granted since the client's last call began
	waiting  []bool
	inTx     []bool // the client is inside an explicit transaction
	restarts []int  // rollbacks since the client's call began (retries)
	parked   map[int]bool
	// finalRound: the worker was woken for a round after every client
	// finished.
	finalRound bool
	current    int
	chooser    Chooser
	res        Result
	pause      []string // transcript lines of the current pause, sorted before they are kept
}

func (s *scheduler) loop(ctx context.Context, stopWorker context.CancelFunc) (*Result, error) {
	s.waiting, s.inTx, s.restarts, s.parked = make([]bool, s.total), make([]bool, s.total), make([]int, s.total), map[int]bool{}
	for {
		if err := s.settle(ctx); err != nil {
			return nil, err
		}
		var enabled []int
		for i, st := range s.status {
			if st == atGate {
				enabled = append(enabled, i)
			}
		}
		if len(enabled) == 0 {
			if s.ordinaryDone() {
				if s.total > s.n && s.status[s.n] != done {
					// The worker is idle and nobody will step again. Its last
					// round may have taken its snapshot before the last
					// commit, so it gets one more round; once it is idle
					// again, it has caught up: stop it.
					if !s.finalRound {
						s.finalRound = true
						s.status[s.n] = running
						s.r.wakes[s.n] <- struct{}{}
						continue
					}
					stopWorker()
					s.status[s.n] = running
					continue
				}
				s.res.Steps = int(s.r.step.Load())
				return &s.res, nil
			}
			var stuck, sleepers []int
			for i, st := range s.status {
				switch st {
				case blocked:
					stuck = append(stuck, i)
				case asleep:
					sleepers = append(sleepers, i)
				}
			}
			if len(stuck) > 0 {
				// Sleepers hold no locks (they sleep between transactions), so
				// clients blocked with nobody at a gate are a deadlock. The
				// server's detector is off (deadlock_timeout 1h): the victim is
				// chosen here, the same way every time — the highest client.
				victim := stuck[len(stuck)-1]
				s.res.Transcript = append(s.res.Transcript, fmt.Sprintf("        %s: <deadlock: the scheduler cancels this statement>", s.name(victim)))
				if _, err := s.e.control.Exec(ctx, "SELECT pg_cancel_backend($1)", s.sessions[victim].pid); err != nil {
					return nil, err
				}
				s.status[victim] = inStatement
				continue
			}
			// Everyone left is waiting for time to pass (a retry's backoff, a
			// poll): let it pass. A loop that never ends hits MaxSteps.
			for _, c := range sleepers {
				s.status[c] = running
				s.r.wakes[c] <- struct{}{}
			}
			continue
		}
		pick := s.choose(enabled)
		if s.r.step.Load() >= int64(s.e.MaxSteps) {
			return nil, fmt.Errorf("%w (%d steps): is a client looping?", ErrTooLong, s.e.MaxSteps)
		}
		k := s.r.step.Add(1)
		s.res.Transcript = append(s.res.Transcript, fmt.Sprintf("%4d  %s: %s", k, s.name(pick), describeStatement(s.next[pick])))
		s.status[pick] = inStatement
		switch sql := s.next[pick].sql; {
		case hasPrefixFold(sql, "rollback"):
			// A rolled-back attempt leaves nothing behind: the client is back
			// at the start of its call, one retry further.
			s.sinceOp[pick], s.restarts[pick] = 0, s.restarts[pick]+1
		case !isBegin(sql):
			s.sinceOp[pick]++ // BEGIN changes nothing a symmetric client could tell apart
		}
		for c := range s.parked {
			if c == pick || !commute(s.next[c].sql, s.next[pick].sql) {
				delete(s.parked, c)
			}
		}
		// Locks are released, and data changes become visible, only when a
		// transaction ends: by COMMIT or ROLLBACK, or at the end of a
		// statement outside a transaction (a plain read outside one changes
		// nothing and holds no lock).
		sql := s.next[pick].sql
		releases := !s.inTx[pick] && !isRead(sql) || isEnd(sql)
		switch {
		case isBegin(sql):
			s.inTx[pick] = true
		case isEnd(sql):
			s.inTx[pick] = false
		}
		// A sleeper waits for something to change, and only a transaction
		// that ends can change what it reads: it wakes on those steps alone.
		// The same steps are the only ones that can release a lock.
		for i, st := range s.status {
			switch {
			case st == asleep && i != pick && releases:
				s.status[i] = running
				s.r.wakes[i] <- struct{}{}
			case st == blocked && releases:
				s.status[i] = inStatement // look again
			}
		}
		s.r.grants[pick] <- struct{}{}
	}
}

func (s *scheduler) ordinaryDone() bool {
	for i := range s.n {
		if s.status[i] != done {
			return false
		}
	}
	return true
}

func (s *scheduler) name(i int) string {
	if i == s.n {
		return "worker"
	}
	return fmt.Sprintf("c%d", i)
}

// choose picks the client to grant among enabled ones. BEGIN takes no
// snapshot and no lock, so it commutes with everything: with reductions on,
// a client at a BEGIN is granted at once, without a choice.
func (s *scheduler) choose(enabled []int) int {
	if s.e.Reduce {
		if slices.Contains(enabled, s.current) && isBegin(s.next[s.current].sql) {
			return s.current
		}
		for _, c := range enabled {
			if isBegin(s.next[c].sql) {
				return c
			}
		}
	}
	p := Point{Step: int(s.r.step.Load()), CurrentEnabled: slices.Contains(enabled, s.current)}
	// The current client first, then the others in cyclic order after it.
	start := 0
	for i, c := range enabled {
		if c > s.current {
			start = i
			break
		}
	}
	if p.CurrentEnabled {
		start = slices.Index(enabled, s.current)
	}
	p.Options = append(slices.Clone(enabled[start:]), enabled[:start]...)
	if len(p.Options) == 1 {
		s.current = p.Options[0]
		return s.current
	}
	p.Redundant, p.Parked = make([]bool, len(p.Options)), make([]bool, len(p.Options))
	if s.e.Reduce {
		seen := map[string]bool{}
		for i, c := range p.Options {
			if key, ok := s.symmetryKey(c); ok {
				p.Redundant[i] = seen[key]
				seen[key] = true
			}
			p.Parked[i] = s.parked[c]
		}
	}
	choice := s.chooser.Choose(p)
	if s.e.Reduce {
		// A depth-first explorer has run every awake option before this
		// one: those that commute with it go to sleep.
		for i, c := range p.Options[:choice] {
			if !p.Redundant[i] && !p.Parked[i] && commute(s.next[c].sql, s.next[p.Options[choice]].sql) {
				s.parked[c] = true
			}
		}
	}
	s.res.Points = append(s.res.Points, p)
	s.res.Choices = append(s.res.Choices, choice)
	s.current = p.Options[choice]
	return s.current
}

// symmetryKey is what makes two clients interchangeable: both between calls
// or attempts (no statement of the current attempt run yet), the same calls
// left, the same answers so far, the same number of retries. The worker is
// never interchangeable.
func (s *scheduler) symmetryKey(c int) (string, bool) {
	if c >= s.n || s.sinceOp[c] != 0 {
		return "", false
	}
	return fmt.Sprintf("%s|%s|%d", strings.Join(s.ops[c], ";"), s.e.remaining(c, len(s.ops[c])), s.restarts[c]), true
}

// settle waits until every client is at a gate, asleep, done or blocked on a
// lock: one select over every client's events, plus a poll of the server
// for the clients whose statement is in flight.
func (s *scheduler) settle(ctx context.Context) error {
	polls := 0
	for {
		for drained := false; !drained; {
			select {
			case ev := <-s.r.events:
				if err := s.handle(ev); err != nil {
					return err
				}
			default:
				drained = true
			}
		}
		var inFlight []int
		goCode := false
		for i, st := range s.status {
			switch st {
			case running:
				goCode = true
			case inStatement:
				inFlight = append(inFlight, i)
			}
		}
		if !goCode && len(inFlight) == 0 {
			s.flushPause()
			return nil
		}
		if goCode || !s.mayBlock(inFlight) {
			// Go code always ends at a gate, asleep or done, and a statement
			// that takes no lock ends by itself: just wait.
			if err := s.await(ctx, nil); err != nil {
				return err
			}
			continue
		}
		// Give the statements a moment, then ask the server. The check is
		// cheap (about 50 µs); the timer fires late on a busy machine.
		if polls > 0 {
			timeout := time.NewTimer(300 * time.Microsecond)
			err := s.await(ctx, timeout.C)
			timeout.Stop()
			if err == nil {
				continue
			}
			if !errors.Is(err, errTimeout) {
				return err
			}
		}
		polls++
		// Settled only when every statement in flight is blocked: while one
		// is still running it may release the others (a COMMIT on its way).
		allBlocked := true
		for _, c := range inFlight {
			isBlocked, err := s.isBlocked(ctx, c)
			if err != nil {
				return err
			}
			if !isBlocked {
				allBlocked = false
				break
			}
		}
		if allBlocked {
			for _, c := range inFlight {
				s.status[c] = blocked
				if !s.waiting[c] {
					s.waiting[c] = true
					s.pause = append(s.pause, fmt.Sprintf("        %s: <waiting ...>", s.name(c)))
				}
			}
			s.flushPause()
			return nil
		}
	}
}

// mayBlock reports whether any of the statements may wait for a lock: a
// plain read, BEGIN, COMMIT and ROLLBACK never do.
func (s *scheduler) mayBlock(clients []int) bool {
	for _, c := range clients {
		if sql := s.next[c].sql; !isRead(sql) && !isBegin(sql) && !isEnd(sql) {
			return true
		}
	}
	return false
}

// errTimeout is await's report that the timer fired first.
var errTimeout = errors.New("timeout")

// await handles the next event, or reports errTimeout when timeout fires
// first (nil: no timeout).
func (s *scheduler) await(ctx context.Context, timeout <-chan time.Time) error {
	select {
	case ev := <-s.r.events:
		return s.handle(ev)
	case <-timeout:
		return errTimeout
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *scheduler) handle(ev event) error {
	c := ev.client
	switch ev.kind {
	case evGate:
		s.status[c], s.next[c] = atGate, ev
	case evEnd:
		s.status[c] = running
		if s.waiting[c] {
			s.waiting[c] = false
			s.pause = append(s.pause, fmt.Sprintf("        %s: <... completed>", s.name(c)))
		}
		if ev.err != nil {
			s.pause = append(s.pause, fmt.Sprintf("        %s: ERROR: %v", s.name(c), ev.err))
		}
	case evSleep:
		s.status[c] = asleep
	case evOp:
		s.ops[c] = append(s.ops[c], ev.text)
		s.sinceOp[c], s.restarts[c] = 0, 0
		s.pause = append(s.pause, fmt.Sprintf("        %s: %s", s.name(c), ev.text))
	case evDone:
		s.status[c] = done
		if ev.err != nil && !errors.Is(ev.err, context.Canceled) {
			return fmt.Errorf("%s: %w", s.name(c), ev.err)
		}
	}
	return nil
}

// flushPause keeps the transcript lines of the pause after a step, sorted:
// clients that ran at once in Go code may report in any order.
func (s *scheduler) flushPause() {
	slices.SortStableFunc(s.pause, func(a, b string) int { return strings.Compare(strings.TrimSpace(a)[:3], strings.TrimSpace(b)[:3]) })
	s.res.Transcript = append(s.res.Transcript, s.pause...)
	s.pause = nil
}

// isBlocked asks the server whether client c waits for a lock held by
// another client of the schedule.
func (s *scheduler) isBlocked(ctx context.Context, c int) (bool, error) {
	var others []int32
	for i, sess := range s.sessions {
		if i != c {
			others = append(others, int32(sess.pid))
		}
	}
	if len(others) == 0 {
		return false, nil // alone, nobody can hold what it waits for
	}
	var isBlocked bool
	err := s.e.control.QueryRow(ctx, "SELECT pg_isolation_test_session_is_blocked($1, $2)", int32(s.sessions[c].pid), others).Scan(&isBlocked)
	return isBlocked, err
}

func isBegin(sql string) bool { return hasPrefixFold(sql, "begin") }

// isEnd reports a statement that ends a transaction (pgx sends these).
func isEnd(sql string) bool { return hasPrefixFold(sql, "commit") || hasPrefixFold(sql, "rollback") }

// commute reports statements whose order does not matter: BEGIN with
// anything (it takes no snapshot and no lock); two plain reads (a SELECT
// without a locking clause writes nothing and waits for nothing); and a plain
// read with a SELECT … FOR UPDATE, which locks rows but changes nothing a
// read can see, and does not wait for a read.
func commute(a, b string) bool {
	return isBegin(a) || isBegin(b) || isRead(a) && (isRead(b) || isLockOnly(b)) || isLockOnly(a) && isRead(b)
}

// isLockOnly reports a SELECT … FOR UPDATE: a statement that only locks.
func isLockOnly(sql string) bool {
	upper := strings.ToUpper(strings.TrimSpace(sql))
	return strings.HasPrefix(upper, "SELECT") && strings.Contains(upper, " FOR UPDATE") && !strings.Contains(upper, "PG_ADVISORY")
}

func isRead(sql string) bool {
	upper := strings.ToUpper(strings.TrimPrefix(strings.TrimSpace(sql), protocol.PollMarker))
	return strings.HasPrefix(upper, "SELECT") && !strings.Contains(upper, " FOR UPDATE") && !strings.Contains(upper, " FOR SHARE") &&
		!strings.Contains(upper, " FOR NO KEY") && !strings.Contains(upper, " FOR KEY") && !strings.Contains(upper, "PG_ADVISORY")
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// describeStatement is a statement's line in the transcript: its SQL on one
// line, shortened, and its arguments.
func describeStatement(ev event) string {
	sql := strings.Join(strings.Fields(ev.sql), " ")
	if len(sql) > 110 {
		sql = sql[:107] + "..."
	}
	if len(ev.args) == 0 {
		return sql
	}
	var args []string
	for i, a := range ev.args {
		args = append(args, fmt.Sprintf("$%d=%v", i+1, a))
	}
	return sql + "  [" + strings.Join(args, " ") + "]"
}
